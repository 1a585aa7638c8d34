import type { LinkStats, PeerLinkStats } from '@teamrom/sfu-server';

import type { LinkQuality, PeerQuality, QualityLevel } from '../protocol/index.ts';
import { QUALITY_THRESHOLDS } from '../protocol/index.ts';

const ORDER: QualityLevel[] = ['unknown', 'good', 'fair', 'poor'];

/** The worse of two levels; what is unknown gives way to what was measured. */
export function worse(a: QualityLevel, b: QualityLevel): QualityLevel {
  return ORDER.indexOf(a) >= ORDER.indexOf(b) ? a : b;
}

/**
 * One direction of a link, judged by QUALITY_THRESHOLDS: as good as its worst measure. Unknown
 * when nothing has been measured yet, which is not the same as bad.
 */
export function linkLevel(stats: LinkStats & { availableBitrate?: number | null }): QualityLevel {
  const t = QUALITY_THRESHOLDS;
  const marks: QualityLevel[] = [];
  const higherIsWorse = (value: number | null, limits: { fair: number; poor: number }) => {
    if (value === null) return;
    marks.push(value >= limits.poor ? 'poor' : value >= limits.fair ? 'fair' : 'good');
  };
  const lowerIsWorse = (
    value: number | null | undefined,
    limits: { fair: number; poor: number },
  ) => {
    if (value === null || value === undefined) return;
    marks.push(value < limits.poor ? 'poor' : value < limits.fair ? 'fair' : 'good');
  };

  higherIsWorse(stats.packetLoss, t.packetLoss);
  higherIsWorse(stats.roundTripTime, t.roundTripTime);
  lowerIsWorse(stats.score, t.score);
  lowerIsWorse(stats.availableBitrate, t.availableBitrate);

  return marks.reduce(worse, 'unknown');
}

/** Reports in a row that a peer's downlink was poor, or not, for the low-bandwidth advice. */
export interface AdviceState {
  poorRuns: number;
  betterRuns: number;
  isAdvised: boolean;
}

export function freshAdvice(): AdviceState {
  return { poorRuns: 0, betterRuns: 0, isAdvised: false };
}

/**
 * Advises low-bandwidth mode once the downlink has been poor for some reports in a row, and lifts
 * the advice only after a longer run of good ones with room for video again: a client that turned
 * video off uses little bandwidth, and its downlink looks fine for that reason alone. A fair
 * report does not count towards lifting: a link that still loses packets with the video off
 * would lose more with it on, and the bandwidth estimate cannot be relied on to say so, since a
 * link that drops what exceeds its rate (a policer) adds no delay for the estimate to see.
 */
export function nextAdvice(
  previous: AdviceState,
  downlink: QualityLevel,
  availableBitrate: number | null,
): AdviceState {
  const t = QUALITY_THRESHOLDS;
  const isPoor = downlink === 'poor';
  const poorRuns = isPoor ? previous.poorRuns + 1 : 0;
  const betterRuns = downlink === 'good' ? previous.betterRuns + 1 : 0;
  const hasRoomForVideo = availableBitrate === null || availableBitrate >= t.availableBitrate.fair;
  let isAdvised = previous.isAdvised;

  if (poorRuns >= t.poorReportsToAdvise) isAdvised = true;
  if (isAdvised && betterRuns >= t.betterReportsToLift && hasRoomForVideo) isAdvised = false;

  return { poorRuns, betterRuns, isAdvised };
}

/** A peer's quality as the meeting is told it. */
export function peerQuality(stats: PeerLinkStats, advice: AdviceState): PeerQuality {
  const uplink: LinkQuality = { level: linkLevel(stats.uplink), ...stats.uplink };
  const downlink = { level: linkLevel(stats.downlink), ...stats.downlink };

  return {
    peerId: stats.peerId,
    level: worse(uplink.level, downlink.level),
    uplink,
    downlink,
    isLowBandwidthAdvised: advice.isAdvised,
  };
}

/** A peer without media on the media node: nothing measured. */
export function unmeasured(peerId: string): PeerLinkStats {
  const link = { bitrate: 0, score: null, packetLoss: null, roundTripTime: null };

  return { peerId, uplink: link, downlink: { ...link, availableBitrate: null } };
}
