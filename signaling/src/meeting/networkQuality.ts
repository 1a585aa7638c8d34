import type { LinkStats, PeerLinkStats } from '@teamrom/sfu-server';

import type { LinkQuality, PeerQuality, QualityLevel } from '../protocol/index.ts';
import {
  AUDIO_ONLY_BACKOFF,
  QUALITY_THRESHOLDS,
  audioOnlyReportsToLift,
} from '../protocol/index.ts';

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

/**
 * What the server advises for one peer's downlink, and the runs of reports that lead there. The
 * advice has three levels: none; low-bandwidth mode (one low video layer, thumbnails off); and
 * audio only (low-bandwidth mode with every video paused). It moves one level at a time.
 */
export interface AdviceState {
  /** Poor reports in a row, counted anew whenever the advice changes. */
  poorRuns: number;
  /** Good reports in a row, counted anew whenever the advice changes. */
  betterRuns: number;
  /** Low-bandwidth mode advised; true also while audio only is. */
  isAdvised: boolean;
  /** Audio only advised: every video paused for this receiver. */
  isAudioOnly: boolean;
  /**
   * How many times in a row audio only came back soon (AUDIO_ONLY_BACKOFF.memoryReports) after it
   * was lifted: the back-off that `audioOnlyReportsToLift` turns into a wait.
   */
  audioOnlyReturns: number;
  /**
   * Reports since audio only was last lifted, while that is recent enough to count a return;
   * null while audio only stands, or when none is remembered.
   */
  reportsSinceAudioOnly: number | null;
}

export function freshAdvice(): AdviceState {
  return {
    poorRuns: 0,
    betterRuns: 0,
    isAdvised: false,
    isAudioOnly: false,
    audioOnlyReturns: 0,
    reportsSinceAudioOnly: null,
  };
}

/**
 * The advice after one more report of the peer's downlink, one level at a time:
 *
 * - none -> low-bandwidth mode after `poorReportsToAdvise` poor reports in a row;
 * - low-bandwidth mode -> audio only after `poorReportsToAudioOnly` more poor reports in a row,
 *   counted from when the mode was advised and judged on what was measured (`measured`: loss,
 *   round trip, scores) with the bandwidth estimate left out: one low video layer still does not
 *   fit;
 * - low-bandwidth mode -> none after `betterReportsToLift` good reports in a row;
 * - audio only -> low-bandwidth mode after `audioOnlyReportsToLift(returns)` good reports in a
 *   row, also judged on what was measured, and never straight to none.
 *
 * Lifting low-bandwidth mode needs good reports with room for video: a client that turned video
 * off uses little bandwidth, and its downlink looks fine for that reason alone. A fair report does
 * not count towards lifting: a link that still loses packets with the video off would lose more
 * with it on, and the bandwidth estimate cannot be relied on to say so, since a link that drops
 * what exceeds its rate (a policer) adds no delay for the estimate to see.
 *
 * With audio only that is all the more so: the link carries only sound and looks good even when
 * video cannot fit, so stepping back is a trial. Nor does the estimate say anything either way
 * with only sound, or sound and one small video, to measure it on: it swings between a few dozen
 * kbit/s and a megabit from one report to the next, and would hold audio only forever on a link
 * that has long been fast again, or send a free link into it. So the way into audio only and the
 * way out are judged on loss, round trip and scores alone. If the trial fails, audio only
 * comes back within a few reports, and the next trial waits twice as long (AUDIO_ONLY_BACKOFF), up
 * to a cap; after a long enough time without a return the back-off is forgotten. So a link that
 * cannot carry video settles into audio only with a short trial now and then, instead of cycling
 * every few seconds.
 */
export function nextAdvice(
  previous: AdviceState,
  downlink: QualityLevel,
  availableBitrate: number | null,
  /** The downlink judged without the bandwidth estimate; the whole judgement if not given. */
  measured: QualityLevel = downlink,
): AdviceState {
  const t = QUALITY_THRESHOLDS;
  const backoff = AUDIO_ONLY_BACKOFF;
  // With the mode advised little flows, and the estimate swings: see above.
  const poorRuns =
    (previous.isAdvised ? measured : downlink) === 'poor' ? previous.poorRuns + 1 : 0;
  const betterRuns =
    (previous.isAudioOnly ? measured : downlink) === 'good' ? previous.betterRuns + 1 : 0;
  const hasRoomForVideo =
    previous.isAudioOnly ||
    availableBitrate === null ||
    availableBitrate >= t.availableBitrate.fair;
  const canLift = (reports: number) => betterRuns >= reports && hasRoomForVideo;
  let { audioOnlyReturns, reportsSinceAudioOnly } = previous;

  // The memory of the last audio only fades: long enough without a return, and it is forgotten.
  if (reportsSinceAudioOnly !== null) {
    reportsSinceAudioOnly += 1;
    if (reportsSinceAudioOnly > backoff.memoryReports) {
      reportsSinceAudioOnly = null;
      audioOnlyReturns = 0;
    }
  }

  const same = { poorRuns, betterRuns, audioOnlyReturns, reportsSinceAudioOnly };
  const changed = { poorRuns: 0, betterRuns: 0 };

  if (!previous.isAdvised) {
    return poorRuns >= t.poorReportsToAdvise
      ? { ...same, ...changed, isAdvised: true, isAudioOnly: false }
      : { ...same, isAdvised: false, isAudioOnly: false };
  }
  if (!previous.isAudioOnly) {
    if (poorRuns >= t.poorReportsToAudioOnly) {
      const isReturn = reportsSinceAudioOnly !== null;

      return {
        ...changed,
        isAdvised: true,
        isAudioOnly: true,
        audioOnlyReturns: isReturn ? audioOnlyReturns + 1 : 0,
        reportsSinceAudioOnly: null,
      };
    }
    if (canLift(t.betterReportsToLift)) {
      return { ...same, ...changed, isAdvised: false, isAudioOnly: false };
    }

    return { ...same, isAdvised: true, isAudioOnly: false };
  }
  if (canLift(audioOnlyReportsToLift(audioOnlyReturns))) {
    return {
      ...changed,
      isAdvised: true,
      isAudioOnly: false,
      audioOnlyReturns,
      reportsSinceAudioOnly: 0,
    };
  }

  return { ...same, isAdvised: true, isAudioOnly: true };
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
    isAudioOnlyAdvised: advice.isAdvised && advice.isAudioOnly,
  };
}

/** A downlink judged on what was measured, the bandwidth estimate left out. */
export function measuredLevel(downlink: LinkStats): QualityLevel {
  return linkLevel({ ...downlink, availableBitrate: null });
}

/** A peer without media on the media node: nothing measured. */
export function unmeasured(peerId: string): PeerLinkStats {
  const link = { bitrate: 0, score: null, packetLoss: null, roundTripTime: null };

  return { peerId, uplink: link, downlink: { ...link, availableBitrate: null } };
}
