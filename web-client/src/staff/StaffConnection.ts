import type { RequestName, RequestPayload, ReplyMap } from '@teamrom/signaling/protocol';
import { io } from 'socket.io-client';

import type { AccessToken } from '../lib/AccessToken.ts';
import { REQUEST_TIMEOUT_MS, RequestError, request } from '../lib/request.ts';
import { Store } from '../lib/Store.ts';
import type { ReadClaims } from '../lib/tokenClaims.ts';
import { readClaims } from '../lib/tokenClaims.ts';
import { ConnectionToken } from '../meeting/ConnectionToken.ts';
import type { TeamromSocket } from '../meeting/MeetingSession.ts';
import { OutgoingRing } from './OutgoingRing.ts';
import { Reminders } from './Reminders.ts';
import { RingInbox } from './RingInbox.ts';
import { staffToken } from './staffToken.ts';

export type ConnectionStatus = 'connecting' | 'connected' | 'offline' | 'failed';

/**
 * A signed-in team member's connection while they use the staff pages: scheduling, the plan
 * outside a call, calls they make and calls that ring them, and the reminders of their meetings.
 * One per tab; it outlives moving between pages, so that a call being made or received goes on.
 */
export class StaffConnection {
  readonly socket: TeamromSocket;
  readonly token: AccessToken;
  readonly claims: ReadClaims;
  readonly state = new Store<{ status: ConnectionStatus }>({ status: 'connecting' });
  readonly inbox: RingInbox;
  readonly outgoing: OutgoingRing;
  readonly reminders: Reminders;
  readonly #connectionToken: ConnectionToken;

  constructor(token: AccessToken) {
    this.token = token;
    this.claims = readClaims(token.current)!;
    this.socket = io({
      autoConnect: false,
      transports: ['websocket', 'polling'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
    });
    this.#connectionToken = new ConnectionToken(this.socket, token);
    this.inbox = new RingInbox(this.socket);
    this.outgoing = new OutgoingRing(this.socket);
    this.reminders = new Reminders(this);
    this.socket.on('connect', () => this.state.update({ status: 'connected' }));
    this.socket.on('disconnect', (reason) => {
      this.state.update({ status: 'offline' });
      // The server closes on purpose when it restarts; Socket.io does not come back by itself.
      if (reason === 'io server disconnect') setTimeout(() => this.socket.connect(), 1000);
    });
    this.socket.on('connect_error', (error) => {
      const code = (error as Error & { data?: { code?: string } }).data?.code;

      if (code !== 'unauthorized') return;

      void this.#connectionToken.renewForReconnect().then((isWorthRetrying) => {
        if (isWorthRetrying) this.socket.connect();
        else this.state.update({ status: 'failed' });
      });
    });
    this.socket.connect();
  }

  /** The signed-in person's id. */
  get personId(): string {
    return this.claims.sub;
  }

  /**
   * Sends one request once the connection is up (waiting for it as long as a request waits for
   * its answer), and answers the reply; rejects with RequestError.
   */
  async ask<E extends RequestName>(event: E, payload: RequestPayload<E>): Promise<ReplyMap[E]> {
    if (!this.socket.connected) await this.#connected();

    return request(this.socket, event, payload);
  }

  #connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.socket.off('connect', onConnect);
        reject(new RequestError('timeout', 'not connected'));
      }, REQUEST_TIMEOUT_MS);
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };

      this.socket.once('connect', onConnect);
    });
  }
}

let current: StaffConnection | null = null;

/** The tab's staff connection, opened on first use; null when no team member signed in here. */
export function staffConnection(): StaffConnection | null {
  if (current) return current;

  const token = staffToken();

  if (!token) return null;
  current = new StaffConnection(token);

  return current;
}
