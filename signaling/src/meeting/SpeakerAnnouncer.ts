import type { Server } from 'socket.io';

import type { ClientToServerEvents, ServerToClientEvents } from '../protocol/index.ts';
import type { Meeting } from './Meeting.ts';

/** The fewest milliseconds between two `speaker:active` notices to one meeting. */
export const SPEAKER_NOTICE_GAP_MS = 1000;

/**
 * Tells a meeting who speaks. In a lively exchange the dominant speaker can change several times a
 * second, and every notice reflows each client's speaker view; so a meeting hears at most one
 * notice per gap, the latest speaker when the gap is over.
 */
export class SpeakerAnnouncer {
  readonly #io: Server<ClientToServerEvents, ServerToClientEvents>;
  readonly #gapMs: number;
  readonly #state = new WeakMap<
    Meeting,
    { lastSentAt: number; lastSentId: string | null; timer: NodeJS.Timeout | null }
  >();

  constructor(
    io: Server<ClientToServerEvents, ServerToClientEvents>,
    gapMs = SPEAKER_NOTICE_GAP_MS,
  ) {
    this.#io = io;
    this.#gapMs = gapMs;
  }

  announce(meeting: Meeting, peerId: string): void {
    if (!meeting.setActiveSpeaker(peerId)) return;

    let state = this.#state.get(meeting);

    if (!state) {
      state = { lastSentAt: 0, lastSentId: null, timer: null };
      this.#state.set(meeting, state);
    }
    if (state.timer) return;

    const wait = state.lastSentAt + this.#gapMs - Date.now();
    const send = () => {
      state.timer = null;

      const speaker = meeting.activeSpeakerId;

      if (speaker === null || speaker === state.lastSentId) return;

      state.lastSentAt = Date.now();
      state.lastSentId = speaker;
      this.#io.to(meeting.room).emit('speaker:active', { peerId: speaker });
    };

    if (wait <= 0) {
      send();

      return;
    }

    state.timer = setTimeout(send, wait);
    state.timer.unref();
  }
}
