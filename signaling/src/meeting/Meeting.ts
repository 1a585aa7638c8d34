import type { Logger } from '../logger.ts';
import type { Peer } from './Peer.ts';

/** A meeting as this signalling node holds it: its patient, its plan, and the peers in it. */
export class Meeting {
  readonly id: string;
  readonly patientId: string;
  readonly carePlanId: string | null;
  readonly log: Logger;
  readonly #peers = new Map<string, Peer>();

  constructor(id: string, patientId: string, carePlanId: string | null, log: Logger) {
    this.id = id;
    this.patientId = patientId;
    this.carePlanId = carePlanId;
    this.log = log;
  }

  /** The Socket.io room all of the meeting's peers are in. */
  get room(): string {
    return `meeting:${this.id}`;
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

  ownerOfProducer(producerId: string): Peer | undefined {
    return this.peers().find((p) => p.producers.has(producerId));
  }

  add(peer: Peer): void {
    this.#peers.set(peer.id, peer);
  }

  remove(peerId: string): Peer | undefined {
    const peer = this.#peers.get(peerId);

    this.#peers.delete(peerId);

    return peer;
  }
}
