import type { types } from 'mediasoup';

import { MediaError } from './errors.ts';
import type { Logger } from './logger.ts';
import { PeerMedia } from './PeerMedia.ts';

/**
 * One meeting's media: a router on one worker and the peers that send and receive through it.
 * Closing the room closes the router, which closes every transport, producer and consumer.
 */
export class Room {
  readonly id: string;
  readonly router: types.Router;
  /** Where the room's WebRTC transports listen; undefined gives each transport its own ports. */
  readonly webRtcServer: types.WebRtcServer | undefined;
  /** Picks the dominant speaker among the room's audio producers. */
  readonly activeSpeaker: types.ActiveSpeakerObserver;
  readonly log: Logger;
  readonly #peers = new Map<string, PeerMedia>();
  readonly #producers = new Map<string, types.Producer>();

  constructor(
    id: string,
    placed: {
      router: types.Router;
      webRtcServer: types.WebRtcServer | undefined;
      activeSpeaker: types.ActiveSpeakerObserver;
    },
    log: Logger,
  ) {
    this.id = id;
    this.router = placed.router;
    this.webRtcServer = placed.webRtcServer;
    this.activeSpeaker = placed.activeSpeaker;
    this.log = log;
  }

  get closed(): boolean {
    return this.router.closed;
  }

  get peers(): IterableIterator<PeerMedia> {
    return this.#peers.values();
  }

  /** The peer's media, created on first use. */
  peer(peerId: string): PeerMedia {
    if (this.closed) throw new MediaError('closed', 'the room is closed');

    let peer = this.#peers.get(peerId);

    if (!peer) {
      peer = new PeerMedia(peerId);
      this.#peers.set(peerId, peer);
    }

    return peer;
  }

  /** The peer's media if it has any; unlike peer() this never creates one. */
  existingPeer(peerId: string): PeerMedia {
    const peer = this.#peers.get(peerId);

    if (!peer) throw new MediaError('not_found', 'no such peer in this room');

    return peer;
  }

  registerProducer(producer: types.Producer): void {
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
  }

  producer(producerId: string): types.Producer {
    const producer = this.#producers.get(producerId);

    if (!producer) throw new MediaError('not_found', 'no such producer in this room');

    return producer;
  }

  closePeer(peerId: string): void {
    const peer = this.#peers.get(peerId);

    if (!peer) return;

    this.#peers.delete(peerId);
    peer.close();
  }

  close(): void {
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    this.#producers.clear();
    this.router.close();
  }
}
