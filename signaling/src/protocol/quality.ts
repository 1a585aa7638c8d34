/*
 * Who is speaking, and how well everyone is connected. The server measures each participant's link
 * to the media server in both directions and reduces it to a level that a tile can show; it also
 * says when someone's downlink has stayed poor for long enough that low-bandwidth mode (audio
 * first, one low video layer, thumbnails off) should turn on by itself.
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
} as const;

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
