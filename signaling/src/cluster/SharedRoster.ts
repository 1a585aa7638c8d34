import { createHash, timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';

import type { Actor } from '../access/CareTeamAccess.ts';
import type { ProducerInfo } from '../protocol/index.ts';

/**
 * A participant as every signalling node of a cluster sees it: enough to list it in a join reply
 * or roster, to find the owner of a producer, and to take it over on another node. The resume key
 * itself never leaves the node that issued it; only its SHA-256 does, to check a presented key.
 */
export interface SharedPeer {
  peerId: string;
  meetingId: string;
  /** The signalling node that holds the participant's connection now. */
  nodeId: string;
  actor: Actor;
  joinedAt: number;
  producers: ProducerInfo[];
  resumeKeyHash: string;
}

/** Why a node lost a participant to another: resumed there, or replaced by a newer join. */
export type TakenReason = 'moved' | 'replaced';

export interface SharedRosterEvents {
  /** Another node took over (or replaced) one of this node's participants. */
  taken: [meetingId: string, peerId: string, reason: TakenReason];
  /** This node removed a participant of a dead node that was not resumed within the grace period. */
  orphanleft: [peer: SharedPeer];
  /** The shared records may be gone (Redis restarted): every local participant is written again. */
  republish: [];
}

/**
 * The participants of meetings served by several signalling nodes. The single-process server uses
 * SoloRoster, which shares nothing; a cluster uses RedisRoster.
 */
export interface SharedRoster {
  readonly nodeId: string;
  readonly isShared: boolean;
  readonly events: EventEmitter<SharedRosterEvents>;
  /** Writes (or rewrites) a participant this node holds; false when another node owns it now. */
  put(peer: SharedPeer): Promise<boolean>;
  /** Removes a participant this node holds; whether no participant is left on any node. */
  remove(meetingId: string, peerId: string): Promise<boolean>;
  /** The meeting's participants held by other nodes. */
  others(meetingId: string): Promise<SharedPeer[]>;
  /** Moves a participant held elsewhere to this node (as `peer`), if it is still on `fromNode`. */
  claim(peer: SharedPeer, fromNode: string, reason: TakenReason): Promise<boolean>;
  /** Removes a participant held elsewhere (a person joined again here); true if this node did. */
  evict(peer: SharedPeer): Promise<boolean>;
  /** Remembers for every node that a team member let the person in, until the meeting empties. */
  letIn(meetingId: string, personId: string): Promise<void>;
  /** Forgets it: the person was sent back to wait. */
  sendBack(meetingId: string, personId: string): Promise<void>;
  /** Whether a team member on any node let the person in since the meeting last emptied. */
  wasLetIn(meetingId: string, personId: string): Promise<boolean>;
  /** Whether the store behind the roster answers (always, for a single process). */
  readonly isReady: boolean;
  close(): Promise<void>;
}

/** One signalling node, nothing shared: every participant is in this process's memory. */
export class SoloRoster implements SharedRoster {
  readonly nodeId = 'solo';
  readonly isShared = false;
  readonly isReady = true;
  readonly events = new EventEmitter<SharedRosterEvents>();

  async put(): Promise<boolean> {
    return true;
  }

  async remove(): Promise<boolean> {
    return true;
  }

  async others(): Promise<SharedPeer[]> {
    return [];
  }

  async claim(): Promise<boolean> {
    return false;
  }

  async evict(): Promise<boolean> {
    return false;
  }

  // The meeting in this process remembers who was let in.
  async letIn(): Promise<void> {}

  async sendBack(): Promise<void> {}

  async wasLetIn(): Promise<boolean> {
    return false;
  }

  async close(): Promise<void> {}
}

/** SHA-256 of a resume key, as kept in the shared record. */
export function resumeKeyHash(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/** Whether `key` is the key whose hash the record holds, compared in constant time. */
export function matchesResumeKey(peer: SharedPeer, key: string): boolean {
  const presented = Buffer.from(resumeKeyHash(key));
  const held = Buffer.from(peer.resumeKeyHash);

  return presented.length === held.length && timingSafeEqual(presented, held);
}
