import type { Roster } from '@teamrom/signaling/protocol';

import { RequestError, request } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import type { MeetingSession } from './MeetingSession.ts';

export interface RosterState {
  roster: Roster | null;
  isConfirming: boolean;
  /** Why the last confirmation failed, as an i18n key. */
  problem: string | null;
}

/**
 * Who is in the meeting (name, role, organisation), who the meeting leader is, and whether the
 * leader has confirmed that everyone has been introduced. Fetched when this person is in the
 * meeting, and again whenever someone comes or goes or the leader confirms.
 */
export class RosterStore {
  readonly state = new Store<RosterState>({ roster: null, isConfirming: false, problem: null });
  readonly #session: MeetingSession;
  readonly #stop: () => void;
  #fetching = 0;

  constructor(session: MeetingSession) {
    this.#session = session;

    const socket = session.socket;
    const refresh = () => void this.refresh();

    socket.on('peer:joined', refresh);
    socket.on('peer:left', refresh);
    socket.on('meeting:introductions', refresh);

    let wasJoined = false;
    const unsubscribe = session.state.subscribe(() => {
      const isJoined = session.state.get().status === 'joined';

      if (isJoined && !wasJoined) refresh();
      if (!isJoined) this.state.update({ roster: null });
      wasJoined = isJoined;
    });

    if (session.state.get().status === 'joined') refresh();
    this.#stop = () => {
      unsubscribe();
      socket.off('peer:joined', refresh);
      socket.off('peer:left', refresh);
      socket.off('meeting:introductions', refresh);
    };
  }

  /** Whether this person leads the meeting, and so confirms the introductions. */
  get isLeader(): boolean {
    const { roster } = this.state.get();
    const self = this.#session.state.get().self;

    return roster !== null && self !== null && roster.leaderPeerId === self.peerId;
  }

  async refresh(): Promise<void> {
    if (this.#session.state.get().status !== 'joined') return;

    const attempt = ++this.#fetching;

    try {
      const roster = await request(this.#session.socket, 'meeting:roster', {});

      // Only the latest answer counts: people may come and go while one is on its way.
      if (attempt === this.#fetching) this.state.update({ roster });
    } catch {
      // The next change asks again.
    }
  }

  /** For the meeting leader: everyone present has been introduced. */
  async confirmIntroductions(): Promise<void> {
    this.state.update({ isConfirming: true, problem: null });

    try {
      await request(this.#session.socket, 'meeting:confirmIntroductions', {});
      await this.refresh();
    } catch (error) {
      this.state.update({
        problem: `errors.${error instanceof RequestError ? error.code : 'internal'}`,
      });
    } finally {
      this.state.update({ isConfirming: false });
    }
  }

  dispose(): void {
    this.#stop();
  }
}
