import { describe, expect, it } from 'vitest';

import {
  AUDIO_ONLY_BACKOFF,
  QUALITY_THRESHOLDS,
  audioOnlyReportsToLift,
} from '../protocol/quality.ts';
import type { AdviceState } from './networkQuality.ts';
import {
  freshAdvice,
  linkLevel,
  measuredLevel,
  nextAdvice,
  peerQuality,
  unmeasured,
} from './networkQuality.ts';

const CLEAN = { bitrate: 500_000, score: 10, packetLoss: 0, roundTripTime: 40 };
/** Low-bandwidth mode advised, one low video layer, nothing counted yet. */
const ADVISED: AdviceState = { ...freshAdvice(), isAdvised: true };
const POOR = ['poor', 150_000] as const;
const GOOD = ['good', 3_000_000] as const;

/** The advice after `count` reports of one kind. */
function after(
  advice: AdviceState,
  count: number,
  report: readonly ['poor' | 'good' | 'fair', number],
) {
  let next = advice;

  for (let i = 0; i < count; i++) next = nextAdvice(next, ...report);

  return next;
}

/** Drives a link that stays poor whenever video is on: how many reports each audio only lasts. */
function audioOnlySpells(from: AdviceState, spells: number): number[] {
  const lengths: number[] = [];
  let advice = from;

  while (lengths.length < spells) {
    let reports = 0;

    while (advice.isAudioOnly) {
      advice = nextAdvice(advice, ...GOOD);
      reports += 1;
    }
    lengths.push(reports);
    while (!advice.isAudioOnly) advice = nextAdvice(advice, ...POOR);
  }

  return lengths;
}

describe('network quality', () => {
  it('calls a clean link good and an unmeasured one unknown', () => {
    expect(linkLevel(CLEAN)).toBe('good');
    expect(linkLevel({ ...CLEAN, availableBitrate: 2_000_000 })).toBe('good');
    expect(linkLevel(unmeasured('p').uplink)).toBe('unknown');
  });

  it('judges a link by its worst measure', () => {
    expect(linkLevel({ ...CLEAN, packetLoss: 0.03 })).toBe('fair');
    expect(linkLevel({ ...CLEAN, packetLoss: 0.08 })).toBe('poor');
    expect(linkLevel({ ...CLEAN, roundTripTime: 350 })).toBe('fair');
    expect(linkLevel({ ...CLEAN, roundTripTime: 900 })).toBe('poor');
    expect(linkLevel({ ...CLEAN, score: 7 })).toBe('fair');
    expect(linkLevel({ ...CLEAN, score: 4 })).toBe('poor');
    expect(linkLevel({ ...CLEAN, availableBitrate: 400_000 })).toBe('fair');
    expect(linkLevel({ ...CLEAN, availableBitrate: 100_000 })).toBe('poor');
    expect(linkLevel({ ...CLEAN, packetLoss: 0.03, roundTripTime: 900 })).toBe('poor');
  });

  it('gives a peer the worse of its two directions', () => {
    const quality = peerQuality(
      {
        peerId: 'p',
        uplink: CLEAN,
        downlink: { ...CLEAN, packetLoss: 0.1, availableBitrate: 150_000 },
      },
      freshAdvice(),
    );

    expect(quality).toMatchObject({
      peerId: 'p',
      level: 'poor',
      uplink: { level: 'good', packetLoss: 0 },
      downlink: { level: 'poor', packetLoss: 0.1, availableBitrate: 150_000 },
      isLowBandwidthAdvised: false,
      isAudioOnlyAdvised: false,
    });
    expect(peerQuality(unmeasured('p'), { ...ADVISED, isAudioOnly: true })).toMatchObject({
      isLowBandwidthAdvised: true,
      isAudioOnlyAdvised: true,
    });
  });

  it('advises low-bandwidth mode after three poor reports in a row, not after one', () => {
    let advice = freshAdvice();

    advice = nextAdvice(advice, 'poor', 150_000);
    advice = nextAdvice(advice, 'fair', 400_000);
    advice = nextAdvice(advice, 'poor', 150_000);
    advice = nextAdvice(advice, 'poor', 150_000);

    expect(advice.isAdvised).toBe(false);
    expect(nextAdvice(advice, 'poor', 150_000).isAdvised).toBe(true);
  });

  it('lifts the advice only after five better reports with room for video', () => {
    let advice = ADVISED;

    for (let i = 0; i < 5; i++) advice = nextAdvice(advice, 'good', 300_000);
    expect(advice.isAdvised).toBe(true);

    advice = nextAdvice(advice, 'good', 800_000);
    expect(advice.isAdvised).toBe(false);

    let unmeasuredAdvice = ADVISED;

    for (let i = 0; i < 10; i++) unmeasuredAdvice = nextAdvice(unmeasuredAdvice, 'unknown', null);
    expect(unmeasuredAdvice.isAdvised).toBe(true);
  });

  it('keeps the advice while the downlink is only fair, whatever the estimate says', () => {
    let advice = ADVISED;

    for (let i = 0; i < 10; i++) advice = nextAdvice(advice, 'fair', 3_000_000);
    expect(advice.isAdvised).toBe(true);

    // A fair report breaks a run of good ones.
    for (let i = 0; i < 4; i++) advice = nextAdvice(advice, 'good', 3_000_000);
    advice = nextAdvice(advice, 'fair', 3_000_000);
    for (let i = 0; i < 4; i++) advice = nextAdvice(advice, 'good', 3_000_000);
    expect(advice.isAdvised).toBe(true);
    expect(nextAdvice(advice, 'good', 3_000_000).isAdvised).toBe(false);
  });

  it('advises audio only when the downlink stays poor with the mode already advised', () => {
    let advice = after(freshAdvice(), QUALITY_THRESHOLDS.poorReportsToAdvise, POOR);

    expect(advice).toMatchObject({ isAdvised: true, isAudioOnly: false });
    // The run counts anew from the advice: one low layer gets its own chance.
    advice = after(advice, QUALITY_THRESHOLDS.poorReportsToAudioOnly - 1, POOR);
    expect(advice.isAudioOnly).toBe(false);
    advice = nextAdvice(advice, 'fair', 400_000);
    advice = after(advice, QUALITY_THRESHOLDS.poorReportsToAudioOnly - 1, POOR);
    expect(advice.isAudioOnly).toBe(false);
    advice = nextAdvice(advice, ...POOR);
    expect(advice).toMatchObject({ isAdvised: true, isAudioOnly: true, audioOnlyReturns: 0 });
    expect(peerQuality(unmeasured('p'), advice).isAudioOnlyAdvised).toBe(true);
  });

  it('steps back from audio only to one low layer after its wait, never straight to none', () => {
    const audioOnly: AdviceState = { ...ADVISED, isAudioOnly: true };
    const wait = audioOnlyReportsToLift(0);

    expect(wait).toBe(AUDIO_ONLY_BACKOFF.firstReportsToLift);
    expect(wait).toBeGreaterThan(QUALITY_THRESHOLDS.betterReportsToLift);
    expect(after(audioOnly, wait - 1, GOOD).isAudioOnly).toBe(true);
    // Fair reports do not lift it.
    expect(after(audioOnly, wait * 3, ['fair', 3_000_000]).isAudioOnly).toBe(true);

    const stepped = after(audioOnly, wait, GOOD);

    expect(stepped).toMatchObject({
      isAdvised: true,
      isAudioOnly: false,
      reportsSinceAudioOnly: 0,
    });
    // Then off as before, after its own run of good reports.
    expect(after(stepped, QUALITY_THRESHOLDS.betterReportsToLift - 1, GOOD).isAdvised).toBe(true);
    expect(after(stepped, QUALITY_THRESHOLDS.betterReportsToLift, GOOD)).toMatchObject({
      isAdvised: false,
      isAudioOnly: false,
    });
  });

  it('waits twice as long each time audio only comes back soon, up to a cap', () => {
    const first = after(
      after(freshAdvice(), QUALITY_THRESHOLDS.poorReportsToAdvise, POOR),
      QUALITY_THRESHOLDS.poorReportsToAudioOnly,
      POOR,
    );
    const spells = audioOnlySpells(first, 6);
    const b = AUDIO_ONLY_BACKOFF;

    expect(spells).toEqual([
      b.firstReportsToLift,
      b.firstReportsToLift * 2,
      b.firstReportsToLift * 4,
      Math.min(b.maxReportsToLift, b.firstReportsToLift * 8),
      b.maxReportsToLift,
      b.maxReportsToLift,
    ]);
    expect(audioOnlyReportsToLift(100)).toBe(b.maxReportsToLift);
  });

  it('counts a return also after the mode went off, and forgets the back-off after a while', () => {
    const b = AUDIO_ONLY_BACKOFF;
    const t = QUALITY_THRESHOLDS;
    const audioOnly: AdviceState = { ...ADVISED, isAudioOnly: true };
    // Audio only, lifted, then the mode off altogether.
    const off = after(after(audioOnly, b.firstReportsToLift, GOOD), t.betterReportsToLift, GOOD);

    expect(off).toMatchObject({ isAdvised: false, reportsSinceAudioOnly: t.betterReportsToLift });

    const toAudioOnly = (from: AdviceState) =>
      after(after(from, t.poorReportsToAdvise, POOR), t.poorReportsToAudioOnly, POOR);
    const soon = toAudioOnly(off);

    expect(soon).toMatchObject({ isAudioOnly: true, audioOnlyReturns: 1 });
    expect(audioOnlySpells(soon, 1)).toEqual([b.firstReportsToLift * 2]);

    // Long enough without audio only: the next one waits the first wait again.
    const forgotten = after(off, b.memoryReports, GOOD);

    expect(forgotten).toMatchObject({ reportsSinceAudioOnly: null, audioOnlyReturns: 0 });
    expect(audioOnlySpells(toAudioOnly(forgotten), 1)).toEqual([b.firstReportsToLift]);
  });

  it('judges the way into audio only and out on what was measured, not on the estimate', () => {
    const audioOnly: AdviceState = { ...ADVISED, isAudioOnly: true };
    const wait = audioOnlyReportsToLift(0);
    // With only sound on the link the estimate swings; loss, round trip and scores are clean.
    let advice = audioOnly;

    for (let i = 0; i < wait - 1; i++) {
      advice = nextAdvice(advice, i % 2 ? 'poor' : 'good', i % 2 ? 40_000 : 900_000, 'good');
    }
    expect(advice.isAudioOnly).toBe(true);
    expect(nextAdvice(advice, 'poor', 40_000, 'good')).toMatchObject({
      isAdvised: true,
      isAudioOnly: false,
    });
    // Loss measured still breaks the run, whatever the estimate.
    advice = after(audioOnly, wait - 1, GOOD);
    expect(nextAdvice(advice, 'good', 3_000_000, 'fair').isAudioOnly).toBe(true);
    // Nor does a low estimate alone send one low layer into audio only.
    expect(after(ADVISED, 10, ['poor', 150_000]).isAudioOnly).toBe(true);
    advice = ADVISED;
    for (let i = 0; i < 10; i++) advice = nextAdvice(advice, 'poor', 150_000, 'good');
    expect(advice).toMatchObject({ isAdvised: true, isAudioOnly: false });
    // Outside audio only the estimate still counts, as before.
    expect(after(ADVISED, 10, ['good', 300_000]).isAdvised).toBe(true);
    expect(nextAdvice(ADVISED, 'fair', 400_000, 'good').betterRuns).toBe(0);
  });

  it('leaves the estimate out of the measured level', () => {
    const withLowEstimate = { ...CLEAN, availableBitrate: 40_000 };

    expect(linkLevel(withLowEstimate)).toBe('poor');
    expect(measuredLevel(withLowEstimate)).toBe('good');
    expect(measuredLevel({ ...CLEAN, packetLoss: 0.1 })).toBe('poor');
  });
});
