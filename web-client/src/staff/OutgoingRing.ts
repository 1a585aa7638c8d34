import type { RingCall, RingStarted } from '@teamrom/signaling/protocol';

import { RequestError, request } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import type { TeamromSocket } from '../meeting/MeetingSession.ts';

export interface OutgoingState {
  status: 'idle' | 'starting' | 'ringing' | 'over' | 'failed';
  ringId: string | null;
  meetingId: string | null;
  patientId: string | null;
  calls: RingCall[];
  /** Why starting failed, as an i18n key. */
  problem: string | null;
}

const IDLE: OutgoingState = {
  status: 'idle',
  ringId: null,
  meetingId: null,
  patientId: null,
  calls: [],
  problem: null,
};

const OPEN_STATES = new Set(['calling', 'ringing']);

/**
 * The call this person is making: "start video meeting now" rings chosen team members, and each
 * one's state (calling, ringing, accepted, declined, timeout, offline, cancelled) follows
 * `ring:update`. It is over when nobody is left to answer. The server ends it if this
 * connection closes, so it lives on the tab's staff connection, not on a page.
 */
export class OutgoingRing {
  readonly state = new Store<OutgoingState>(IDLE);
  readonly #socket: TeamromSocket;

  constructor(socket: TeamromSocket) {
    this.#socket = socket;
    socket.on('ring:update', ({ ringId, personId, state }) => {
      if (ringId !== this.state.get().ringId) return;

      this.state.update((s) => {
        const calls = s.calls.map((c) => (c.personId === personId ? { ...c, state } : c));

        return { ...s, calls, status: calls.some(isOpen) ? 'ringing' : 'over' };
      });
    });
    socket.on('disconnect', () => {
      // The server cancels every call of a closed connection.
      this.state.update((s) =>
        s.status === 'ringing'
          ? {
              ...s,
              status: 'over',
              calls: s.calls.map((c) => (isOpen(c) ? { ...c, state: 'cancelled' } : c)),
            }
          : s,
      );
    });
  }

  /** Rings the people; answers the meeting they are rung into, or null when it failed. */
  async start(patientId: string, personIds: string[], meetingId?: string): Promise<string | null> {
    this.state.update({ ...IDLE, status: 'starting', patientId });

    let started: RingStarted;

    try {
      started = await request(this.#socket, 'ring:start', {
        patientId,
        personIds,
        ...(meetingId ? { meetingId } : {}),
      });
    } catch (error) {
      const code = error instanceof RequestError ? error.code : 'internal';

      this.state.update({ status: 'failed', problem: `errors.${code}` });

      return null;
    }

    this.state.update({
      status: started.calls.some(isOpen) ? 'ringing' : 'over',
      ringId: started.ringId,
      meetingId: started.meetingId,
      calls: started.calls,
    });

    return started.meetingId;
  }

  /** Stops ringing everyone who has not answered. */
  async cancel(): Promise<void> {
    const { ringId, status } = this.state.get();

    if (!ringId || status !== 'ringing') return;

    await request(this.#socket, 'ring:cancel', { ringId }).catch(() => {
      // Already over, or the connection is down, which cancels it too.
    });
  }

  /** Puts a call that is over out of sight. */
  clear(): void {
    if (this.state.get().status !== 'ringing') this.state.update(IDLE);
  }
}

function isOpen(call: RingCall): boolean {
  return OPEN_STATES.has(call.state);
}
