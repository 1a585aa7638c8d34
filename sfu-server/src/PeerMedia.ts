import type { types } from 'mediasoup';

import { MediaError } from './errors.ts';

export type MediaObjectKind = 'transport' | 'producer' | 'consumer';

/** A transport and its kind: WebRTC and plain transports are connected differently. */
type PeerTransport =
  | { kind: 'webrtc'; transport: types.WebRtcTransport }
  | { kind: 'plain'; transport: types.PlainTransport };

/** Limits that keep one misbehaving client from exhausting a worker. */
const LIMITS: Record<MediaObjectKind, number> = { transport: 4, producer: 8, consumer: 400 };

/**
 * The media one peer holds in a room: its transports, and the producers and consumers on them.
 * Closing a transport closes what runs on it; closing the peer closes its transports.
 */
export class PeerMedia {
  readonly peerId: string;
  readonly #transports = new Map<string, PeerTransport>();
  readonly #producers = new Map<string, types.Producer>();
  readonly #consumers = new Map<string, types.Consumer>();
  /** Objects being created right now, counted against the limits before mediasoup answers. */
  readonly #pending: Record<MediaObjectKind, number> = { transport: 0, producer: 0, consumer: 0 };
  #closed = false;

  constructor(peerId: string) {
    this.peerId = peerId;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get counts(): { transports: number; producers: number; consumers: number } {
    return {
      transports: this.#transports.size,
      producers: this.#producers.size,
      consumers: this.#consumers.size,
    };
  }

  /**
   * Claims room for one more object of a kind, or throws `capacity`. Call the returned function
   * once the object is added or its creation failed; concurrent requests cannot pass the limit.
   */
  reserve(kind: MediaObjectKind): () => void {
    this.#checkOpen();

    const held = {
      transport: this.#transports.size,
      producer: this.#producers.size,
      consumer: this.#consumers.size,
    }[kind];

    if (held + this.#pending[kind] >= LIMITS[kind]) {
      throw new MediaError('capacity', `a peer may hold at most ${LIMITS[kind]} ${kind}s`);
    }

    let released = false;

    this.#pending[kind]++;

    return () => {
      if (released) return;

      released = true;
      this.#pending[kind]--;
    };
  }

  addTransport(entry: PeerTransport): void {
    const transport: types.Transport = entry.transport;

    this.#transports.set(transport.id, entry);
    transport.observer.once('close', () => this.#transports.delete(transport.id));
  }

  *transports(): IterableIterator<types.WebRtcTransport | types.PlainTransport> {
    for (const { transport } of this.#transports.values()) yield transport;
  }

  /** A transport of either kind, for producing and consuming on it. */
  transport(transportId: string): types.Transport {
    const entry = this.#transports.get(transportId);

    if (!entry) throw new MediaError('not_found', 'no such transport for this peer');

    return entry.transport;
  }

  webRtcTransport(transportId: string): types.WebRtcTransport {
    const entry = this.#transports.get(transportId);

    if (entry?.kind !== 'webrtc') {
      throw new MediaError('not_found', 'no such WebRTC transport for this peer');
    }

    return entry.transport;
  }

  plainTransport(transportId: string): types.PlainTransport {
    const entry = this.#transports.get(transportId);

    if (entry?.kind !== 'plain') {
      throw new MediaError('not_found', 'no such plain transport for this peer');
    }

    return entry.transport;
  }

  addProducer(producer: types.Producer): void {
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
  }

  producers(): IterableIterator<types.Producer> {
    return this.#producers.values();
  }

  producer(producerId: string): types.Producer {
    const producer = this.#producers.get(producerId);

    if (!producer) throw new MediaError('not_found', 'no such producer for this peer');

    return producer;
  }

  addConsumer(consumer: types.Consumer): void {
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
  }

  consumers(): IterableIterator<types.Consumer> {
    return this.#consumers.values();
  }

  consumer(consumerId: string): types.Consumer {
    const consumer = this.#consumers.get(consumerId);

    if (!consumer) throw new MediaError('not_found', 'no such consumer for this peer');

    return consumer;
  }

  close(): void {
    if (this.#closed) return;

    this.#closed = true;
    // Closing a transport closes its producers and consumers in the worker too.
    for (const { transport } of this.#transports.values()) transport.close();
    this.#transports.clear();
    this.#producers.clear();
    this.#consumers.clear();
  }

  #checkOpen(): void {
    if (this.#closed) throw new MediaError('closed', 'the peer has left');
  }
}
