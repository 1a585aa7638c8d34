import { randomBytes, timingSafeEqual } from 'node:crypto';

import type { Socket } from 'socket.io';

import type { Actor } from '../access/CareTeamAccess.ts';
import type { Logger } from '../logger.ts';
import type { Meeting } from './Meeting.ts';
import type {
  ClientToServerEvents,
  MediaSource,
  PeerInfo,
  ProducerInfo,
  RtpCapabilities,
  ServerToClientEvents,
} from '../protocol/index.ts';

export type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/**
 * One person's presence in one meeting, through one connection at a time: after a dropped
 * connection the same peer carries on through the next one that presents its resume key.
 */
export class Peer {
  readonly id: string;
  readonly actor: Actor;
  readonly meeting: Meeting;
  readonly log: Logger;
  readonly producers = new Map<string, ProducerInfo>();
  readonly transports = new Set<string>();
  /** Sources whose producer is being created: a second request for one is refused meanwhile. */
  readonly startingSources = new Set<MediaSource>();
  /** When the person came in; a participant taken over from another node keeps its time. */
  readonly joinedAt: number;
  rtpCapabilities: RtpCapabilities | null = null;
  #socket: ClientSocket;
  #resumeKey = newResumeKey();
  #left = false;
  #hasReceivedMedia = false;

  constructor(
    id: string,
    actor: Actor,
    socket: ClientSocket,
    meeting: Meeting,
    joinedAt: number = Date.now(),
  ) {
    this.id = id;
    this.joinedAt = joinedAt;
    this.actor = actor;
    this.#socket = socket;
    this.meeting = meeting;
    this.log = meeting.log.child({ peerId: id });
  }

  get left(): boolean {
    return this.#left;
  }

  /** The connection the peer is reached through now; a lost one until the peer is resumed. */
  get socket(): ClientSocket {
    return this.#socket;
  }

  /** Secret: it is handed to the client only, and never logged. */
  get resumeKey(): string {
    return this.#resumeKey;
  }

  hasResumeKey(key: string): boolean {
    const presented = Buffer.from(key);
    const own = Buffer.from(this.#resumeKey);

    return presented.length === own.length && timingSafeEqual(presented, own);
  }

  /** Carries on through another connection. */
  reattach(socket: ClientSocket): void {
    this.#socket = socket;
  }

  /** Replaces a resume key that has been presented: each works once. */
  renewResumeKey(): void {
    this.#resumeKey = newResumeKey();
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

function newResumeKey(): string {
  return randomBytes(32).toString('base64url');
}
