import { describe, expect, it } from 'vitest';

import { freshAdvice, linkLevel, nextAdvice, peerQuality, unmeasured } from './networkQuality.ts';

const CLEAN = { bitrate: 500_000, score: 10, packetLoss: 0, roundTripTime: 40 };

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
    let advice = { poorRuns: 3, betterRuns: 0, isAdvised: true };

    for (let i = 0; i < 5; i++) advice = nextAdvice(advice, 'good', 300_000);
    expect(advice.isAdvised).toBe(true);

    advice = nextAdvice(advice, 'good', 800_000);
    expect(advice.isAdvised).toBe(false);

    let unmeasuredAdvice = { poorRuns: 3, betterRuns: 0, isAdvised: true };

    for (let i = 0; i < 10; i++) unmeasuredAdvice = nextAdvice(unmeasuredAdvice, 'unknown', null);
    expect(unmeasuredAdvice.isAdvised).toBe(true);
  });

  it('keeps the advice while the downlink is only fair, whatever the estimate says', () => {
    let advice = { poorRuns: 3, betterRuns: 0, isAdvised: true };

    for (let i = 0; i < 10; i++) advice = nextAdvice(advice, 'fair', 3_000_000);
    expect(advice.isAdvised).toBe(true);

    // A fair report breaks a run of good ones.
    for (let i = 0; i < 4; i++) advice = nextAdvice(advice, 'good', 3_000_000);
    advice = nextAdvice(advice, 'fair', 3_000_000);
    for (let i = 0; i < 4; i++) advice = nextAdvice(advice, 'good', 3_000_000);
    expect(advice.isAdvised).toBe(true);
    expect(nextAdvice(advice, 'good', 3_000_000).isAdvised).toBe(false);
  });
});
