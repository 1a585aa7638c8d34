/*
 * Who is speaking, and how well everyone is connected. The server measures each participant's link
 * to the media server in both directions and reduces it to a level that a tile can show; it also
 * says when someone's downlink has stayed poor for long enough that low-bandwidth mode (audio
 * first, one low video layer, thumbnails off) should turn on by itself, and when, with the mode on,
 * it still stays poor and every video should pause so that the sound stays clear (audio only).
 */

export type QualityLevel = 'good' | 'fair' | 'poor' | 'unknown';

/**
 * Where a link stops being good, and where it becomes poor. A link is as good as its worst measure:
 * any measure at or past its `poor` mark makes it poor, else any at or past its `fair` mark fair.
 */
export const QUALITY_THRESHOLDS = {
  /** Share of packets lost (0-1), from RTCP receiver reports. */
  packetLoss: { fair: 0.02, poor: 0.08 },
  /** Round-trip time in milliseconds, from RTCP. */
  roundTripTime: { fair: 300, poor: 600 },
  /** mediasoup's stream score, 10 (perfect) to 0: below `fair` it is fair, below `poor` poor. */
  score: { fair: 8, poor: 5 },
  /**
   * The downlink estimate in bit/s: below `fair` fair, below `poor` poor. One 640x360 video and
   * audio need about 600 kbit/s; below 200 kbit/s only audio and one small video fit.
   */
  availableBitrate: { fair: 600_000, poor: 200_000 },
  /** Reports in a row with a poor downlink before low-bandwidth mode is advised. */
  poorReportsToAdvise: 3,
  /** Reports in a row with a good downlink before the advice is lifted; fair ones do not count. */
  betterReportsToLift: 5,
  /**
   * Further reports in a row with a poor downlink, counted from when low-bandwidth mode was
   * advised (or audio only lifted), before audio only is advised: every video paused. Judged on
   * loss, round trip and scores; the estimate swings too much with so little on the link.
   */
  poorReportsToAudioOnly: 3,
} as const;

/**
 * The back-off of audio only. With every video paused the link carries only sound, so it looks
 * good, and the bandwidth estimate claims room for video even on a link that drops what exceeds
 * its rate; stepping back to one low video layer is therefore a trial that may fail. Each time
 * audio only comes back soon after it was lifted, the next trial waits twice as long, up to a cap.
 * Counted in reports (2 s each by default), which keeps the rule free of clocks.
 */
export const AUDIO_ONLY_BACKOFF = {
  /**
   * Good reports in a row (loss, round trip and scores; the estimate says nothing with only sound
   * to go on) before audio only first steps back to one low video layer: twice
   * `betterReportsToLift`, 20 s at 2 s a report, so that a trial starts only on a link that has
   * stayed quiet for a while.
   */
  firstReportsToLift: 10,
  /** The wait doubles at each return within `memoryReports`, up to this: 2 min at 2 s a report. */
  maxReportsToLift: 60,
  /**
   * Audio only advised again within this many reports of being lifted (5 min at 2 s a report)
   * counts as a return, and doubles the wait; after that many without a return the wait is
   * forgotten and starts again from `firstReportsToLift`.
   */
  memoryReports: 150,
} as const;

/**
 * Good reports in a row that audio only needs before it lifts, after it has come back `returns`
 * times in a row, each soon after the last was lifted (0 the first time).
 */
export function audioOnlyReportsToLift(returns: number): number {
  const b = AUDIO_ONLY_BACKOFF;

  return Math.min(b.maxReportsToLift, b.firstReportsToLift * 2 ** Math.max(0, returns));
}

/** One direction of a participant's link to the media server, with what it was judged on. */
export interface LinkQuality {
  level: QualityLevel;
  /** Bits per second. */
  bitrate: number;
  /** mediasoup's stream score, 0-10; null without streams. */
  score: number | null;
  /** Share of packets lost, 0-1; null until measured. */
  packetLoss: number | null;
  /** Milliseconds; null until measured. */
  roundTripTime: number | null;
}

export interface PeerQuality {
  peerId: string;
  /** The worse of the two directions. */
  level: QualityLevel;
  /** What reaches the media server from this participant. */
  uplink: LinkQuality;
  /** What the media server sends to this participant. */
  downlink: LinkQuality & {
    /** The server's estimate of the bandwidth this participant can receive, in bit/s. */
    availableBitrate: number | null;
  };
  /**
   * The downlink has stayed poor (`poorReportsToAdvise` reports in a row): the participant's own
   * client should turn low-bandwidth mode on. Lifted once it has been good for
   * `betterReportsToLift` reports and the estimate allows video again.
   */
  isLowBandwidthAdvised: boolean;
  /**
   * Low-bandwidth mode is advised and, with it on, the downlink still stayed poor
   * (`poorReportsToAudioOnly` more reports): the client should pause every video it receives, so
   * that the sound stays clear. Only true along with `isLowBandwidthAdvised`; a client that does
   * not know it still gets low-bandwidth mode. Lifted after a back-off (AUDIO_ONLY_BACKOFF), back
   * to one low video layer, never straight to no advice.
   */
  isAudioOnlyAdvised: boolean;
}

export interface QualityEvents {
  /**
   * Every participant's link quality, to everyone in the meeting, every few seconds
   * (QUALITY_INTERVAL_MS, 2 s by default). After a recovered connection the reports missed are
   * replayed in order; the last one counts.
   */
  'media:quality': (report: { peers: PeerQuality[] }) => void;
  /**
   * The dominant speaker changed, judged from the audio levels that the senders put in their
   * packets; at most one notice a second. The join reply carries the current one.
   */
  'speaker:active': (event: { peerId: string }) => void;
}
