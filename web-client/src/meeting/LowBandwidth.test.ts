import { describe, expect, it } from 'vitest';

import type { BandwidthAdvice, LowBandwidthState } from './LowBandwidth.ts';
import {
  LOW_BANDWIDTH_OFF,
  NO_ADVICE,
  adviseLowBandwidth,
  chooseLowBandwidth,
} from './LowBandwidth.ts';

/** The server's advice as a report carries it: none, the mode, or the mode at audio only. */
type Report = false | true | 'audio-only';

const advice = (report: Report): BandwidthAdvice =>
  report === 'audio-only'
    ? { isAdvised: true, isAudioOnly: true }
    : { isAdvised: report, isAudioOnly: false };

const run = (reports: Report[], from: LowBandwidthState = LOW_BANDWIDTH_OFF) =>
  reports.reduce((state, report) => adviseLowBandwidth(state, advice(report)), from);

describe('low-bandwidth mode', () => {
  it('turns on by itself when the server advises it, and off when the advice lifts', () => {
    const on = run([false, true]);

    expect(on).toEqual({ isOn: true, isAuto: true, isDeclined: false, isAudioOnly: false });
    expect(run([true, true, true], on).isOn).toBe(true);
    expect(run([false], on)).toEqual(LOW_BANDWIDTH_OFF);
  });

  it('stays on when the user chose it, whatever the server advises', () => {
    const chosen = chooseLowBandwidth(LOW_BANDWIDTH_OFF, true, NO_ADVICE);

    expect(run([true, false, false], chosen)).toEqual({
      isOn: true,
      isAuto: false,
      isDeclined: false,
      isAudioOnly: false,
    });
  });

  it('stays on when the user picks it while it was on by itself', () => {
    const auto = run([true]);
    const kept = chooseLowBandwidth(auto, true, advice(true));

    expect(run([false], kept).isOn).toBe(true);
  });

  it('stays off when the user turned it off under the advice, until the advice comes anew', () => {
    const declined = chooseLowBandwidth(run([true]), false, advice(true));

    expect(run([true, true], declined).isOn).toBe(false);
    expect(run([true, false, true], declined)).toEqual({
      isOn: true,
      isAuto: true,
      isDeclined: false,
      isAudioOnly: false,
    });
  });
});

describe('the audio-only step', () => {
  it('follows the advice while the mode is on by itself, and steps back with it', () => {
    const audioOnly = run([true, 'audio-only']);

    expect(audioOnly).toEqual({ isOn: true, isAuto: true, isDeclined: false, isAudioOnly: true });
    expect(run(['audio-only', 'audio-only'], audioOnly).isAudioOnly).toBe(true);
    expect(run([true], audioOnly)).toEqual({
      isOn: true,
      isAuto: true,
      isDeclined: false,
      isAudioOnly: false,
    });
    // Advice lifted altogether (a report missed on the way): off.
    expect(run([false], audioOnly)).toEqual(LOW_BANDWIDTH_OFF);
  });

  it('turns the mode on by itself when the first advice heard is audio only', () => {
    expect(run(['audio-only'])).toEqual({
      isOn: true,
      isAuto: true,
      isDeclined: false,
      isAudioOnly: true,
    });
  });

  it('applies to the mode the user chose too: audio first, and the mode stays on after', () => {
    const chosen = chooseLowBandwidth(LOW_BANDWIDTH_OFF, true, NO_ADVICE);
    const audioOnly = run([true, 'audio-only'], chosen);

    expect(audioOnly).toEqual({ isOn: true, isAuto: false, isDeclined: false, isAudioOnly: true });
    expect(run([true, false], audioOnly)).toEqual({
      isOn: true,
      isAuto: false,
      isDeclined: false,
      isAudioOnly: false,
    });
    // Picked while audio only is advised: straight to it.
    expect(chooseLowBandwidth(LOW_BANDWIDTH_OFF, true, advice('audio-only')).isAudioOnly).toBe(
      true,
    );
  });

  it('never applies with the mode off: not when declined, not when the user turns it off', () => {
    const declined = chooseLowBandwidth(run([true, 'audio-only']), false, advice('audio-only'));

    expect(declined).toEqual({ isOn: false, isAuto: false, isDeclined: true, isAudioOnly: false });
    expect(run(['audio-only', true, 'audio-only'], declined)).toEqual(declined);
  });
});
