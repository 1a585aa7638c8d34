import type { types } from 'mediasoup';

import { MediaError } from './errors.ts';
import type { Logger } from './logger.ts';
import { PeerMedia } from './PeerMedia.ts';

/** One router of a room, on one worker, and where that worker's WebRTC transports listen. */
export interface RoomLeg {
  router: types.Router;
  /** Undefined gives each transport its own ports. */
  webRtcServer: types.WebRtcServer | undefined;
  workerPid: number;
}

/**
 * One meeting's media: a router on one worker and the peers that send and receive through it.
 * A room too large for one worker grows legs: routers on other workers, each peer on one of them,
 * with producers piped (mediasoup's pipeToRouter) to the legs where someone consumes them.
 * Closing the room closes its routers, which closes every transport, producer and consumer.
 */
export class Room {
  readonly id: string;
  /** The first leg's router: it sets the room's RTP capabilities and hosts the speaker observer. */
  readonly router: types.Router;
  /** Picks the dominant speaker among the room's audio producers. */
  readonly activeSpeaker: types.ActiveSpeakerObserver;
  readonly log: Logger;
  readonly #legs: RoomLeg[];
  readonly #peers = new Map<string, PeerMedia>();
  readonly #peerLegs = new Map<string, RoomLeg>();
  readonly #producers = new Map<string, types.Producer>();
  readonly #producerLegs = new Map<string, RoomLeg>();
  /** Producers piped to, or being piped to, another leg: by producer id and router id. */
  readonly #pipes = new Map<string, Promise<void>>();

  constructor(
    id: string,
    placed: RoomLeg & { activeSpeaker: types.ActiveSpeakerObserver },
    log: Logger,
  ) {
    this.id = id;
    this.router = placed.router;
    this.#legs = [
      { router: placed.router, webRtcServer: placed.webRtcServer, workerPid: placed.workerPid },
    ];
    this.activeSpeaker = placed.activeSpeaker;
    this.log = log;
  }

  get closed(): boolean {
    return this.router.closed;
  }

  get legs(): readonly RoomLeg[] {
    return this.#legs;
  }

  get mainLeg(): RoomLeg {
    return this.#legs[0]!;
  }

  addLeg(leg: RoomLeg): void {
    this.#legs.push(leg);
    this.log.info({ workerPid: leg.workerPid, legs: this.#legs.length }, 'room spread to a worker');
  }

  /** The leg a peer's transports are on; undefined before its first transport. */
  legOf(peerId: string): RoomLeg | undefined {
    return this.#peerLegs.get(peerId);
  }

  placePeer(peerId: string, leg: RoomLeg): void {
    this.#peerLegs.set(peerId, leg);
  }

  /** Whether the room has a leg on the worker. */
  usesWorker(pid: number): boolean {
    return this.#legs.some((leg) => leg.workerPid === pid);
  }

  /**
   * Makes a producer consumable on `leg`: nothing to do on its own leg, else it is piped there
   * once, and every later call waits for that one pipe.
   */
  pipeTo(producer: types.Producer, leg: RoomLeg): Promise<void> {
    const home = this.#producerLegs.get(producer.id) ?? this.mainLeg;

    if (home === leg) return Promise.resolve();

    const key = `${producer.id}:${leg.router.id}`;
    let pipe = this.#pipes.get(key);

    if (!pipe) {
      pipe = home.router
        .pipeToRouter({ producerId: producer.id, router: leg.router })
        .then(() => undefined);
      this.#pipes.set(key, pipe);
      // A failed pipe is forgotten, so that the next consumer tries again.
      pipe.catch(() => this.#pipes.delete(key));
      producer.observer.once('close', () => this.#pipes.delete(key));
    }

    return pipe;
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

  registerProducer(producer: types.Producer, leg: RoomLeg): void {
    this.#producers.set(producer.id, producer);
    this.#producerLegs.set(producer.id, leg);
    producer.observer.once('close', () => {
      this.#producers.delete(producer.id);
      this.#producerLegs.delete(producer.id);
    });
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
    this.#peerLegs.delete(peerId);
    peer.close();
  }

  close(): void {
    for (const peer of this.#peers.values()) peer.close();
    this.#peers.clear();
    this.#peerLegs.clear();
    this.#producers.clear();
    this.#pipes.clear();
    for (const leg of this.#legs) leg.router.close();
  }
}
