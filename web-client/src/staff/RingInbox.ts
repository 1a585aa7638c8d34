import type { IncomingRing } from '@teamrom/signaling/protocol';

import { RequestError, request } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import type { TeamromSocket } from '../meeting/MeetingSession.ts';

/**
 * Bounds on how long a call is shown by this device's clock. The server says when a call ends
 * by its own clock; a device whose clock is off must neither drop a call at once nor show it on
 * and on after `ring:ended` was lost.
 */
const MIN_SHOWN_MS = 10_000;
const MAX_SHOWN_MS = 120_000;

export interface InboxState {
  /** Calls ringing on this device now, oldest first. */
  rings: IncomingRing[];
  /** The call being answered, while the answer is on its way. */
  answering: string | null;
  /** Why the last answer failed, as an i18n key; cleared by the next call. */
  problem: string | null;
}

/**
 * Calls ringing this person (`ring:incoming`), shown until they answer, the caller stops, another
 * of their devices answers, or the call runs out: a call that went nowhere never stays on screen.
 */
export class RingInbox {
  readonly state = new Store<InboxState>({ rings: [], answering: null, problem: null });
  readonly #socket: TeamromSocket;
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(socket: TeamromSocket) {
    this.#socket = socket;
    socket.on('ring:incoming', (ring, ack) => {
      this.#show(ring);
      // Tells the caller that the call is on this screen: they then see "ringing".
      ack({});
    });
    socket.on('ring:ended', ({ ringId }) => this.#remove(ringId));
  }

  /** Accepts or declines; answers the meeting to go to after accepting, else null. */
  async answer(ringId: string, accept: boolean): Promise<string | null> {
    this.state.update({ answering: ringId, problem: null });

    try {
      const { meetingId } = await request(this.#socket, 'ring:answer', { ringId, accept });

      return accept ? meetingId : null;
    } catch (error) {
      const code = error instanceof RequestError ? error.code : 'internal';

      this.state.update({ problem: code === 'not_found' ? 'ring.gone' : `errors.${code}` });

      return null;
    } finally {
      this.#remove(ringId);
      this.state.update({ answering: null });
    }
  }

  #show(ring: IncomingRing): void {
    const left = Date.parse(ring.expiresAt) - Date.now();
    const shownFor = Math.min(Math.max(Number.isNaN(left) ? 0 : left, MIN_SHOWN_MS), MAX_SHOWN_MS);

    clearTimeout(this.#timers.get(ring.ringId));
    this.#timers.set(
      ring.ringId,
      setTimeout(() => this.#remove(ring.ringId), shownFor),
    );
    this.state.update((s) => ({
      ...s,
      problem: null,
      rings: [...s.rings.filter((r) => r.ringId !== ring.ringId), ring],
    }));
  }

  #remove(ringId: string): void {
    clearTimeout(this.#timers.get(ringId));
    this.#timers.delete(ringId);
    this.state.update((s) => ({ ...s, rings: s.rings.filter((r) => r.ringId !== ringId) }));
  }
}
