import type { Socket } from 'socket.io';

import type { Actor } from '../access/CareTeamAccess.ts';
import type { Logger } from '../logger.ts';
import type { Meeting } from './Meeting.ts';
import type {
  ClientToServerEvents,
  PeerInfo,
  ProducerInfo,
  RtpCapabilities,
  ServerToClientEvents,
} from '../protocol/index.ts';

export type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** One person's presence in one meeting, through one connection. */
export class Peer {
  readonly id: string;
  readonly actor: Actor;
  readonly socket: ClientSocket;
  readonly meeting: Meeting;
  readonly log: Logger;
  readonly producers = new Map<string, ProducerInfo>();
  readonly transports = new Set<string>();
  readonly joinedAt = Date.now();
  rtpCapabilities: RtpCapabilities | null = null;
  #left = false;
  #hasReceivedMedia = false;

  constructor(id: string, actor: Actor, socket: ClientSocket, meeting: Meeting) {
    this.id = id;
    this.actor = actor;
    this.socket = socket;
    this.meeting = meeting;
    this.log = meeting.log.child({ peerId: id });
  }

  get left(): boolean {
    return this.#left;
  }

  /** Notes the first consumer this peer confirmed; true only the first time. */
  markReceivingMedia(): boolean {
    if (this.#hasReceivedMedia) return false;

    this.#hasReceivedMedia = true;

    return true;
  }

  markLeft(): void {
    this.#left = true;
  }

  info(): PeerInfo {
    return {
      peerId: this.id,
      personId: this.actor.personId,
      displayName: this.actor.displayName,
      role: this.actor.role,
      organisation: this.actor.organisation,
      producers: [...this.producers.values()],
    };
  }
}
