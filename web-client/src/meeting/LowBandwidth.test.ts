import { describe, expect, it } from 'vitest';

import type { LowBandwidthState } from './LowBandwidth.ts';
import { LOW_BANDWIDTH_OFF, adviseLowBandwidth, chooseLowBandwidth } from './LowBandwidth.ts';

const run = (reports: boolean[], from: LowBandwidthState = LOW_BANDWIDTH_OFF) =>
  reports.reduce(adviseLowBandwidth, from);

describe('low-bandwidth mode', () => {
  it('turns on by itself when the server advises it, and off when the advice lifts', () => {
    const on = run([false, true]);

    expect(on).toEqual({ isOn: true, isAuto: true, isDeclined: false });
    expect(run([true, true, true], on).isOn).toBe(true);
    expect(run([false], on)).toEqual(LOW_BANDWIDTH_OFF);
  });

  it('stays on when the user chose it, whatever the server advises', () => {
    const chosen = chooseLowBandwidth(LOW_BANDWIDTH_OFF, true, false);

    expect(run([true, false, false], chosen)).toEqual({
      isOn: true,
      isAuto: false,
      isDeclined: false,
    });
  });

  it('stays on when the user picks it while it was on by itself', () => {
    const auto = run([true]);
    const kept = chooseLowBandwidth(auto, true, true);

    expect(run([false], kept).isOn).toBe(true);
  });

  it('stays off when the user turned it off under the advice, until the advice comes anew', () => {
    const declined = chooseLowBandwidth(run([true]), false, true);

    expect(run([true, true], declined).isOn).toBe(false);
    expect(run([true, false, true], declined)).toEqual({
      isOn: true,
      isAuto: true,
      isDeclined: false,
    });
  });
});
