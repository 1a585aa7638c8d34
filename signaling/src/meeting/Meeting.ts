import { isStaff } from '../access/CareTeamAccess.ts';
import type { Logger } from '../logger.ts';
import type { Peer } from './Peer.ts';

/** A meeting as this signalling node holds it: its patient, its plan, and the peers in it. */
export class Meeting {
  readonly id: string;
  readonly patientId: string;
  readonly carePlanId: string | null;
  readonly log: Logger;
  readonly openedAt = new Date();
  readonly #peers = new Map<string, Peer>();
  /** People a team member let in from the waiting room; they come back in without waiting. */
  readonly #letIn = new Set<string>();
  #activeSpeakerId: string | null = null;

  constructor(id: string, patientId: string, carePlanId: string | null, log: Logger) {
    this.id = id;
    this.patientId = patientId;
    this.carePlanId = carePlanId;
    this.log = log;
  }

  /** The Socket.io room all of the meeting's peers are in. */
  get room(): string {
    return meetingRoom(this.id);
  }

  get size(): number {
    return this.#peers.size;
  }

  peers(): Peer[] {
    return [...this.#peers.values()];
  }

  peer(peerId: string): Peer | undefined {
    return this.#peers.get(peerId);
  }

  peerOfPerson(personId: string): Peer | undefined {
    return this.peers().find((p) => p.actor.personId === personId);
  }

  /**
   * The coordinator when present, else the team member who has been in the meeting longest. The
   * leader confirms that everyone has been introduced.
   */
  leader(): Peer | undefined {
    const team = this.peers()
      .filter((p) => isStaff(p.actor.role))
      .sort((a, b) => a.joinedAt - b.joinedAt);

    return team.find((p) => p.actor.role === 'coordinator') ?? team[0];
  }

  /** Lets a waiting person in: after a reload or a dropped connection they come straight back. */
  letIn(personId: string): void {
    this.#letIn.add(personId);
  }

  /** Sends a person back to the waiting room: from now on they wait again to come in. */
  sendBack(personId: string): void {
    this.#letIn.delete(personId);
  }

  /** The peer speaking now, as the media server last judged it; null before anyone has spoken. */
  get activeSpeakerId(): string | null {
    return this.#activeSpeakerId;
  }

  /** Notes who speaks; true when that changed and the meeting should be told. */
  setActiveSpeaker(peerId: string): boolean {
    if (this.#activeSpeakerId === peerId || !this.#peers.has(peerId)) return false;

    this.#activeSpeakerId = peerId;

    return true;
  }

  hasLetIn(personId: string): boolean {
    return this.#letIn.has(personId);
  }

  /** Everyone let in from the waiting room (and not sent back) since this node held the meeting. */
  letInPersons(): string[] {
    return [...this.#letIn];
  }

  ownerOfProducer(producerId: string): Peer | undefined {
    return this.peers().find((p) => p.producers.has(producerId));
  }

  add(peer: Peer): void {
    this.#peers.set(peer.id, peer);
  }

  remove(peerId: string): Peer | undefined {
    const peer = this.#peers.get(peerId);

    this.#peers.delete(peerId);
    if (this.#activeSpeakerId === peerId) this.#activeSpeakerId = null;

    return peer;
  }
}

/** The Socket.io room of a meeting, on every signalling node. */
export function meetingRoom(meetingId: string): string {
  return `meeting:${meetingId}`;
}
