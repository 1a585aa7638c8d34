import type { MediaNode } from '@teamrom/sfu-server';
import { MediaError } from '@teamrom/sfu-server';

import type { GatewayServer } from '../gateway/context.ts';
import type { Logger } from '../logger.ts';
import type { Meeting } from './Meeting.ts';
import type { MeetingService } from './MeetingService.ts';
import type { AdviceState } from './networkQuality.ts';
import {
  freshAdvice,
  linkLevel,
  measuredLevel,
  nextAdvice,
  peerQuality,
  unmeasured,
} from './networkQuality.ts';

// LIMITATION: quality is measured at the media server, from RTCP and mediasoup's scores; what the
// browser sees (jitter, frames dropped in decoding) is not part of it.
/**
 * Measures every meeting's links every few seconds and tells each meeting how everyone in it is
 * connected (`media:quality`), including whose client should turn low-bandwidth mode on, and
 * whose should, with it on, pause every video (audio only).
 */
export class QualityMonitor {
  readonly #media: MediaNode;
  readonly #meetings: MeetingService;
  readonly #io: GatewayServer;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  /** Each peer's run of poor and better reports; it goes with its meeting. */
  readonly #advice = new WeakMap<Meeting, Map<string, AdviceState>>();
  #isChecking = false;

  constructor(deps: {
    media: MediaNode;
    meetings: MeetingService;
    io: GatewayServer;
    log: Logger;
    intervalMs: number;
  }) {
    this.#media = deps.media;
    this.#meetings = deps.meetings;
    this.#io = deps.io;
    this.#log = deps.log;
    this.#timer = setInterval(() => void this.#checkAll(), deps.intervalMs);
    this.#timer.unref();
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #checkAll(): Promise<void> {
    // A worker slow to answer must not pile checks on top of each other.
    if (this.#isChecking) return;

    this.#isChecking = true;
    try {
      await Promise.all(this.#meetings.all().map((meeting) => this.#check(meeting)));
    } finally {
      this.#isChecking = false;
    }
  }

  async #check(meeting: Meeting): Promise<void> {
    let measured;

    try {
      measured = await this.#media.roomLinkStats(meeting.id);
    } catch (error) {
      // The room is gone for a moment while a dead worker's meetings move; the next check counts.
      if (!(error instanceof MediaError)) this.#log.warn({ err: error }, 'measuring links failed');

      return;
    }

    const byPeer = new Map(measured.map((stats) => [stats.peerId, stats]));
    const previous = this.#advice.get(meeting) ?? new Map<string, AdviceState>();
    const advice = new Map<string, AdviceState>();
    // In a cluster every node reports on the whole meeting to its own clients: the media node
    // measures everyone, and the participants of other nodes come from the shared roster.
    const elsewhere = await this.#meetings.elsewhere(meeting.id);
    const everyone = [
      ...meeting.peers().map((peer) => ({ id: peer.id, log: peer.log })),
      ...elsewhere.map((peer) => ({ id: peer.peerId, log: null })),
    ];
    const peers = everyone.map((peer) => {
      const stats = byPeer.get(peer.id) ?? unmeasured(peer.id);
      const before = previous.get(peer.id) ?? freshAdvice();
      const next = nextAdvice(
        before,
        linkLevel(stats.downlink),
        stats.downlink.availableBitrate,
        measuredLevel(stats.downlink),
      );
      const quality = peerQuality(stats, next);

      advice.set(peer.id, next);
      const hasChanged =
        next.isAdvised !== before.isAdvised || next.isAudioOnly !== before.isAudioOnly;

      // Other nodes' participants have no log here: their own node logs their advice.
      if (peer.log && hasChanged) {
        peer.log.info(
          {
            isAdvised: next.isAdvised,
            isAudioOnly: next.isAudioOnly,
            audioOnlyReturns: next.audioOnlyReturns,
            downlink: quality.downlink,
          },
          'low-bandwidth mode advice changed',
        );
      } else if (peer.log && next.isAdvised) {
        // What holds the advice where it is, report by report (debug level only).
        peer.log.debug({ ...next, downlink: quality.downlink }, 'low-bandwidth mode advice stands');
      }

      return quality;
    });

    this.#advice.set(meeting, advice);
    // Not volatile: Socket.io recovers a dropped connection only from the last event its client
    // received, and only while that event is younger than the grace period. Regular reports keep
    // every participant's connection recoverable, also in a quiet meeting.
    // In a cluster, only to this node's clients: each node sends its own complete report.
    const audience = this.#meetings.isShared ? this.#io.local : this.#io;

    if (peers.length > 0) audience.to(meeting.room).emit('media:quality', { peers });
  }
}
