import { EventEmitter } from 'node:events';
import net from 'node:net';

import type { types } from 'mediasoup';

import type { MediaNodeOptions } from './config.ts';
import { mediaCodecs } from './config.ts';
import { MediaError } from './errors.ts';
import { checkPreferredLayers, layerCounts } from './layers.ts';
import { peerLinkStats } from './linkStats.ts';
import { checkListenAddresses } from './listenAddress.ts';
import type { Logger } from './logger.ts';
import type { MediaObjectKind, PeerMedia } from './PeerMedia.ts';
import { logger as rootLogger } from './logger.ts';
import type {
  ConsumeRequest,
  ConsumerInfo,
  MediaNode,
  MediaNodeEvents,
  MediaNodeStats,
  MediaNodeUsage,
  PeerLinkStats,
  PeerMediaState,
  PeerRef,
  PlainTransportInfo,
  ProduceRequest,
  TransportDirection,
  WebRtcTransportInfo,
} from './MediaNode.ts';
import { Room } from './Room.ts';
import type { RoomLeg } from './Room.ts';
import { WorkerPool } from './WorkerPool.ts';

/** The options transports are created with; the others go to the worker pool. */
type TransportOptions = Required<
  Pick<MediaNodeOptions, 'listenIp' | 'initialAvailableOutgoingBitrate'>
> &
  Pick<MediaNodeOptions, 'announcedIp'>;

/** How long a transport may stay without a DTLS connection before the node closes it. */
const UNCONNECTED_TRANSPORT_TIMEOUT_MS = 60_000;

/** Consumers a worker carries before a growing room takes its next peers elsewhere. */
const DEFAULT_MAX_CONSUMERS_PER_WORKER = 500;

/** How often the active speaker observer weighs the audio levels (mediasoup's default). */
const ACTIVE_SPEAKER_INTERVAL_MS = 300;

/**
 * The media node running in this process: a pool of mediasoup workers with one router per room.
 */
export class LocalMediaNode implements MediaNode {
  readonly events = new EventEmitter<MediaNodeEvents>();
  readonly #pool: WorkerPool;
  readonly #options: TransportOptions;
  readonly #log: Logger;
  readonly #rooms = new Map<string, Room>();
  readonly #opening = new Map<string, Promise<Room>>();
  /** Per room, the placing of a new peer under way; one at a time, so a room grows one leg. */
  readonly #placing = new WeakMap<Room, Promise<unknown>>();
  readonly #maxConsumersPerWorker: number;
  #closed = false;

  private constructor(pool: WorkerPool, options: MediaNodeOptions, log: Logger) {
    this.#pool = pool;
    this.#log = log;
    this.#options = {
      listenIp: options.listenIp ?? '127.0.0.1',
      announcedIp: options.announcedIp,
      initialAvailableOutgoingBitrate: options.initialAvailableOutgoingBitrate ?? 1_000_000,
    };
    this.#maxConsumersPerWorker = options.maxConsumersPerWorker ?? DEFAULT_MAX_CONSUMERS_PER_WORKER;
    pool.on('workerdied', (worker) => this.#onWorkerDied(worker));
  }

  /**
   * Starts the workers. Rejects with MediaConfigError, naming the setting, when media could not
   * listen or be reached as configured: better no server than calls without media.
   */
  static async create(
    options: MediaNodeOptions = {},
    log: Logger = rootLogger,
  ): Promise<LocalMediaNode> {
    const listenIp = options.listenIp ?? '127.0.0.1';

    await checkListenAddresses({ listenIp, announcedIp: options.announcedIp });
    if (options.announcedIp !== undefined && net.isIP(options.announcedIp) === 0) {
      log.warn(
        { announced: options.announcedIp },
        'media announces a host name, which Firefox ignores: people on Firefox will get no media',
      );
    }

    const pool = await WorkerPool.start(
      {
        numWorkers: options.numWorkers,
        rtcMinPort: options.rtcMinPort,
        rtcMaxPort: options.rtcMaxPort,
        logLevel: options.logLevel,
        webRtcServer:
          options.webRtcServer === false
            ? null
            : { listenIp, announcedIp: options.announcedIp, port: options.webRtcPort },
      },
      log,
    );

    return new LocalMediaNode(pool, options, log);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Process ids of the live workers; for health checks and tests. */
  workerPids(): number[] {
    return this.#pool.pids();
  }

  /** The rooms the node holds; a cluster node claims their placements again after Redis lost them. */
  roomIds(): string[] {
    return [...this.#rooms.keys()];
  }

  /** CPU time each live worker has used; cheaper than usage(), which asks every transport. */
  workerUsage(): Promise<{ pid: number; cpuSeconds: number }[]> {
    return this.#pool.usage();
  }

  async openRoom(roomId: string): Promise<{ rtpCapabilities: types.RtpCapabilities }> {
    const room = await this.#openRoom(roomId);

    return { rtpCapabilities: room.router.rtpCapabilities };
  }

  async closeRoom(roomId: string): Promise<void> {
    const room = this.#rooms.get(roomId);

    if (!room) return;

    this.#rooms.delete(roomId);
    room.close();
    room.log.info('room closed');
    // Whoever still uses the room learns that it is gone: in a cluster, another signalling node
    // may have let someone in while the last one here left, and closed the room under them.
    this.events.emit('roomclosed', { roomId, reason: 'closed' });
  }

  releaseRoom(): void {
    // Every caller of this node is in this process; closeRoom is what ends a room.
  }

  async createWebRtcTransport(
    request: PeerRef & { direction: TransportDirection },
  ): Promise<WebRtcTransportInfo> {
    const room = this.#room(request.roomId);
    const peer = room.peer(request.peerId);
    const transport = await withReservation(peer, 'transport', async () => {
      const leg = await this.#legFor(room, request.peerId);
      const listen = leg.webRtcServer
        ? { webRtcServer: leg.webRtcServer }
        : { listenIps: [{ ip: this.#options.listenIp, announcedIp: this.#options.announcedIp }] };
      const created = await refusingWhenOutOfPorts(
        room.log,
        leg.router.createWebRtcTransport({
          ...listen,
          enableUdp: true,
          enableTcp: true,
          preferUdp: true,
          initialAvailableOutgoingBitrate: this.#options.initialAvailableOutgoingBitrate,
          appData: { peerId: request.peerId, direction: request.direction },
        }),
      );

      // The peer may have left while the transport was being created.
      if (peer.closed) {
        created.close();
        throw new MediaError('closed', 'the peer has left');
      }

      peer.addTransport({ kind: 'webrtc', transport: created });

      return created;
    });

    this.#watchTransport(room, request.peerId, transport);

    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  }

  async connectTransport(
    request: PeerRef & { transportId: string; dtlsParameters: types.DtlsParameters },
  ): Promise<void> {
    const transport = this.#peer(request).webRtcTransport(request.transportId);

    await refusingBadParameters(transport.connect({ dtlsParameters: request.dtlsParameters }));
  }

  async restartIce(request: PeerRef & { transportId: string }): Promise<types.IceParameters> {
    const transport = this.#peer(request).webRtcTransport(request.transportId);

    return transport.restartIce();
  }

  async createPlainTransport(
    request: PeerRef & { comedia?: boolean },
  ): Promise<PlainTransportInfo> {
    const room = this.#room(request.roomId);
    const peer = room.peer(request.peerId);
    const transport = await withReservation(peer, 'transport', async () => {
      const leg = await this.#legFor(room, request.peerId);
      const created = await refusingWhenOutOfPorts(
        room.log,
        leg.router.createPlainTransport({
          listenIp: { ip: this.#options.listenIp, announcedIp: this.#options.announcedIp },
          rtcpMux: true,
          comedia: request.comedia ?? false,
          appData: { peerId: request.peerId, direction: 'plain' },
        }),
      );

      if (peer.closed) {
        created.close();
        throw new MediaError('closed', 'the peer has left');
      }

      peer.addTransport({ kind: 'plain', transport: created });

      return created;
    });

    room.log.debug({ peerId: request.peerId, transportId: transport.id }, 'plain transport opened');

    return { id: transport.id, ip: transport.tuple.localIp, port: transport.tuple.localPort };
  }

  async connectPlainTransport(
    request: PeerRef & { transportId: string; ip: string; port: number },
  ): Promise<void> {
    const transport = this.#peer(request).plainTransport(request.transportId);

    // mediasoup accepts port 0 and would then send nowhere.
    if (!Number.isInteger(request.port) || request.port < 1 || request.port > 65535) {
      throw new MediaError('invalid', 'a port must be an integer from 1 to 65535');
    }

    await refusingBadParameters(transport.connect({ ip: request.ip, port: request.port }));
  }

  async produce(request: ProduceRequest): Promise<{ producerId: string }> {
    const room = this.#room(request.roomId);
    const peer = room.existingPeer(request.peerId);
    const transport = peer.transport(request.transportId);
    const producer = await withReservation(peer, 'producer', async () => {
      const created = await refusingBadParameters(
        transport.produce({
          kind: request.kind,
          rtpParameters: request.rtpParameters,
          appData: { peerId: request.peerId, source: request.source },
        }),
      );

      if (peer.closed) {
        created.close();
        throw new MediaError('closed', 'the peer has left');
      }

      peer.addProducer(created);
      room.registerProducer(created, room.legOf(peer.peerId) ?? room.mainLeg);

      return created;
    });

    producer.on('transportclose', () => {
      // A peer leaving or a room closing closes its producers on purpose; only a transport that
      // went on its own takes a producer away unasked.
      if (room.closed || peer.closed) return;

      this.events.emit('producerclosed', {
        roomId: room.id,
        peerId: peer.peerId,
        producerId: producer.id,
      });
    });
    if (producer.kind === 'audio') {
      // The observer lives on the main leg; a voice from another leg is piped there to be heard.
      // It may have closed already; then there is nothing to observe.
      await room
        .pipeTo(producer, room.mainLeg)
        .then(() => room.activeSpeaker.addProducer({ producerId: producer.id }))
        .catch(() => {});
    }
    room.log.debug({ peerId: request.peerId, producerId: producer.id }, 'producer opened');

    return { producerId: producer.id };
  }

  async closeProducer(request: PeerRef & { producerId: string }): Promise<void> {
    this.#peer(request).producer(request.producerId).close();
  }

  async pauseProducer(request: PeerRef & { producerId: string }): Promise<void> {
    const producer = this.#peer(request).producer(request.producerId);

    await unlessClosed(producer, () => producer.pause());
  }

  async resumeProducer(request: PeerRef & { producerId: string }): Promise<void> {
    const producer = this.#peer(request).producer(request.producerId);

    await unlessClosed(producer, () => producer.resume());
  }

  async consume(request: ConsumeRequest): Promise<ConsumerInfo> {
    const room = this.#room(request.roomId);
    const peer = room.existingPeer(request.peerId);
    const producer = room.producer(request.producerId);
    const leg = room.legOf(peer.peerId) ?? room.mainLeg;

    // A producer of another leg is piped to this peer's leg before it can be consumed there.
    await room.pipeTo(producer, leg).catch((error: unknown) => {
      if (producer.closed || room.closed) throw new MediaError('not_found', 'the producer closed');
      throw error;
    });

    if (
      !leg.router.canConsume({ producerId: producer.id, rtpCapabilities: request.rtpCapabilities })
    ) {
      throw new MediaError('cannot_consume', 'the client cannot receive this producer');
    }

    const transport = peer.transport(request.transportId);
    const consumer = await withReservation(peer, 'consumer', async () => {
      const created = await refusingBadParameters(
        transport.consume({
          producerId: producer.id,
          rtpCapabilities: request.rtpCapabilities,
          paused: true,
        }),
      );

      // The producer or the peer may have gone while the consumer was being created.
      if (peer.closed || producer.closed || created.closed) {
        created.close();
        throw new MediaError('not_found', 'the producer closed meanwhile');
      }

      peer.addConsumer(created);

      return created;
    });

    consumer.on('producerclose', () => {
      this.events.emit('consumerclosed', {
        roomId: room.id,
        peerId: peer.peerId,
        consumerId: consumer.id,
      });
    });
    consumer.on('layerschange', (layers) => {
      this.events.emit('consumerlayerschange', {
        roomId: room.id,
        peerId: peer.peerId,
        consumerId: consumer.id,
        layers: layers
          ? { spatialLayer: layers.spatialLayer, temporalLayer: layers.temporalLayer ?? 0 }
          : null,
      });
    });

    return {
      consumerId: consumer.id,
      producerId: producer.id,
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      layers: layerCounts(consumer),
    };
  }

  async resumeConsumer(request: PeerRef & { consumerId: string }): Promise<void> {
    const consumer = this.#peer(request).consumer(request.consumerId);

    await unlessClosed(consumer, () => consumer.resume());
  }

  async closeTransport(request: PeerRef & { transportId: string }): Promise<void> {
    this.#peer(request).transport(request.transportId).close();
  }

  async closeConsumer(request: PeerRef & { consumerId: string }): Promise<void> {
    this.#peer(request).consumer(request.consumerId).close();
  }

  async pauseConsumer(request: PeerRef & { consumerId: string }): Promise<void> {
    const consumer = this.#peer(request).consumer(request.consumerId);

    await unlessClosed(consumer, () => consumer.pause());
  }

  async setPreferredLayers(
    request: PeerRef & { consumerId: string; spatialLayer: number; temporalLayer?: number },
  ): Promise<void> {
    const consumer = this.#peer(request).consumer(request.consumerId);
    const { spatialLayer, temporalLayer } = request;

    checkPreferredLayers(consumer, spatialLayer, temporalLayer);
    await unlessClosed(consumer, () =>
      consumer.setPreferredLayers(
        temporalLayer === undefined ? { spatialLayer } : { spatialLayer, temporalLayer },
      ),
    );
  }

  async setConsumerPriority(
    request: PeerRef & { consumerId: string; priority: number },
  ): Promise<void> {
    const consumer = this.#peer(request).consumer(request.consumerId);

    if (!Number.isInteger(request.priority) || request.priority < 1 || request.priority > 255) {
      throw new MediaError('invalid', 'a priority must be an integer from 1 to 255');
    }

    await unlessClosed(consumer, () => consumer.setPriority(request.priority));
  }

  async describePeer(request: PeerRef): Promise<PeerMediaState> {
    const peer = [...this.#room(request.roomId).peers].find((p) => p.peerId === request.peerId);

    if (!peer) return { transports: [], producers: [], consumers: [] };

    return {
      transports: [...peer.transports()].map((transport) => {
        const { direction } = transport.appData as { direction: 'send' | 'recv' | 'plain' };
        const isWebRtc = 'iceState' in transport;

        return {
          transportId: transport.id,
          direction,
          iceState: isWebRtc ? transport.iceState : null,
          dtlsState: isWebRtc ? transport.dtlsState : null,
        };
      }),
      producers: [...peer.producers()].map((p) => ({
        producerId: p.id,
        kind: p.kind,
        source: (p.appData as { source: string }).source,
        paused: p.paused,
      })),
      consumers: [...peer.consumers()].map((c) => ({
        consumerId: c.id,
        producerId: c.producerId,
        kind: c.kind,
        paused: c.paused,
      })),
    };
  }

  async roomLinkStats(roomId: string): Promise<PeerLinkStats[]> {
    return Promise.all([...this.#room(roomId).peers].map((peer) => peerLinkStats(peer)));
  }

  async closePeer(request: PeerRef): Promise<void> {
    this.#rooms.get(request.roomId)?.closePeer(request.peerId);
  }

  async stats(): Promise<MediaNodeStats> {
    const stats: MediaNodeStats = {
      workers: this.#pool.size,
      workerPids: this.#pool.pids(),
      rooms: this.#rooms.size,
      transports: 0,
      producers: 0,
      consumers: 0,
    };

    for (const room of this.#rooms.values()) {
      for (const peer of room.peers) {
        const counts = peer.counts;

        stats.transports += counts.transports;
        stats.producers += counts.producers;
        stats.consumers += counts.consumers;
      }
    }

    return stats;
  }

  async usage(): Promise<MediaNodeUsage> {
    const transports = [...this.#rooms.values()].flatMap((room) =>
      [...room.peers].flatMap((peer) => [...peer.transports()]),
    );
    const [workers, transportStats] = await Promise.all([
      this.#pool.usage(),
      Promise.all(transports.map((t) => t.getStats().catch(() => []))),
    ]);
    let bitrateIn = 0;
    let bitrateOut = 0;

    for (const stats of transportStats) {
      for (const s of stats) {
        bitrateIn += s.recvBitrate;
        bitrateOut += s.sendBitrate;
      }
    }

    return { workers, bitrateIn, bitrateOut };
  }

  async close(): Promise<void> {
    if (this.#closed) return;

    this.#closed = true;
    for (const room of this.#rooms.values()) room.close();
    this.#rooms.clear();
    this.#pool.close();
  }

  async #openRoom(roomId: string): Promise<Room> {
    if (this.#closed) throw new MediaError('closed', 'the media node is shutting down');

    const existing = this.#rooms.get(roomId);

    if (existing && !existing.closed) return existing;

    let opening = this.#opening.get(roomId);

    if (!opening) {
      opening = this.#pool
        .createRouter(mediaCodecs)
        .then(async (placed) => {
          const activeSpeaker = await placed.router.createActiveSpeakerObserver({
            interval: ACTIVE_SPEAKER_INTERVAL_MS,
          });

          if (this.#closed) {
            placed.router.close();
            throw new MediaError('closed', 'the media node is shutting down');
          }

          const room = new Room(roomId, { ...placed, activeSpeaker }, this.#log.child({ roomId }));

          activeSpeaker.on('dominantspeaker', ({ producer }) => {
            this.events.emit('activespeaker', {
              roomId,
              peerId: (producer.appData as { peerId: string }).peerId,
              producerId: producer.id,
            });
          });
          this.#rooms.set(roomId, room);
          room.log.info({ workerPid: placed.workerPid }, 'room opened');

          return room;
        })
        .finally(() => this.#opening.delete(roomId));
      this.#opening.set(roomId, opening);
    }

    return opening;
  }

  #room(roomId: string): Room {
    const room = this.#rooms.get(roomId);

    if (!room || room.closed) throw new MediaError('not_found', 'no such room');

    return room;
  }

  #peer(request: PeerRef) {
    return this.#room(request.roomId).existingPeer(request.peerId);
  }

  #watchTransport(room: Room, peerId: string, transport: types.WebRtcTransport): void {
    const unconnected = setTimeout(() => {
      if (transport.closed || transport.dtlsState === 'connected') return;

      room.log.warn({ peerId, transportId: transport.id }, 'transport never connected; closing it');
      transport.close();
      this.events.emit('transportfailed', {
        roomId: room.id,
        peerId,
        transportId: transport.id,
        state: 'timeout',
      });
    }, UNCONNECTED_TRANSPORT_TIMEOUT_MS);

    unconnected.unref();
    transport.observer.once('close', () => clearTimeout(unconnected));
    transport.on('dtlsstatechange', (state) => {
      if (state === 'connected') {
        clearTimeout(unconnected);
        room.log.info({ peerId, transportId: transport.id }, 'transport connected');
      }
      if (state === 'failed' || state === 'closed') {
        room.log.warn({ peerId, transportId: transport.id, state }, 'transport lost');
        this.events.emit('transportfailed', {
          roomId: room.id,
          peerId,
          transportId: transport.id,
          state,
        });
      }
    });
  }

  /**
   * The leg a peer's transports go on, chosen at its first transport: a leg of the room whose
   * worker carries fewer than maxConsumersPerWorker consumers (the least busy), else a new leg on
   * the least busy worker the room does not use yet. When every worker is that busy the peer joins
   * the least busy leg: a crowded worker is better than a refused person. The limit is soft: peers
   * placed together are counted by the consumers they already have.
   */
  async #legFor(room: Room, peerId: string): Promise<RoomLeg> {
    const placed = room.legOf(peerId);

    if (placed) return placed;

    const previous = this.#placing.get(room) ?? Promise.resolve();
    const placing = previous.then(() => {
      const already = room.legOf(peerId);

      return already ?? this.#placeOnLeg(room, peerId);
    });

    this.#placing.set(
      room,
      placing.catch(() => {}),
    );

    return placing;
  }

  async #placeOnLeg(room: Room, peerId: string): Promise<RoomLeg> {
    const load = this.#consumersPerWorker();
    const busy = (pid: number) => load.get(pid) ?? 0;
    const leastBusy = <T>(items: T[], pid: (item: T) => number) =>
      items.reduce<T | undefined>(
        (best, x) => (!best || busy(pid(x)) < busy(pid(best)) ? x : best),
        undefined,
      );
    const roomy = room.legs.filter((leg) => busy(leg.workerPid) < this.#maxConsumersPerWorker);
    let leg = leastBusy(roomy, (l) => l.workerPid);

    if (!leg) {
      const spare = this.#pool
        .pids()
        .filter((pid) => !room.usesWorker(pid) && busy(pid) < this.#maxConsumersPerWorker);
      const pid = leastBusy(spare, (p) => p);

      if (pid === undefined) {
        leg = leastBusy([...room.legs], (l) => l.workerPid)!;
      } else {
        const created = await this.#pool.createRouter(mediaCodecs, pid);

        if (room.closed) {
          created.router.close();
          throw new MediaError('closed', 'the room is closed');
        }
        leg = created;
        room.addLeg(leg);
      }
    }
    if (room.closed) throw new MediaError('closed', 'the room is closed');
    room.placePeer(peerId, leg);

    return leg;
  }

  /** Consumers of clients on each worker, over every room. */
  #consumersPerWorker(): Map<number, number> {
    const load = new Map<number, number>();

    for (const room of this.#rooms.values()) {
      for (const peer of room.peers) {
        const pid = room.legOf(peer.peerId)?.workerPid;

        if (pid !== undefined) load.set(pid, (load.get(pid) ?? 0) + peer.counts.consumers);
      }
    }

    return load;
  }

  #onWorkerDied(worker: types.Worker): void {
    for (const [roomId, room] of this.#rooms) {
      if (!room.closed && !room.usesWorker(worker.pid)) continue;

      this.#rooms.delete(roomId);
      room.close();
      this.events.emit('roomclosed', { roomId, reason: 'worker_died' });
    }
  }
}

/**
 * Runs a request on a producer or consumer that may close while the request is in the worker (its
 * producer or peer going at the same moment); that answers `not_found`, like a request that came
 * a moment later. The worker can answer "not found" before its notice that the object closed has
 * reached this process, so that answer counts as closed too.
 */
async function unlessClosed(object: { closed: boolean }, request: () => Promise<void>) {
  try {
    await request();
  } catch (error) {
    if (object.closed || /request handler with ID \S+ not found/.test((error as Error).message)) {
      throw new MediaError('not_found', 'it closed meanwhile');
    }
    throw error;
  }
}

/** Creates one object under the peer's limit for its kind; the slot is held until it is added. */
async function withReservation<T>(
  peer: PeerMedia,
  kind: MediaObjectKind,
  create: () => Promise<T>,
): Promise<T> {
  const release = peer.reserve(kind);

  try {
    return await create();
  } finally {
    release();
  }
}

/**
 * Every port of the worker's range is taken (per-transport ports, without a WebRtcServer). Other
 * failures to listen, such as an address the machine no longer has, stay unexpected errors.
 */
async function refusingWhenOutOfPorts<T>(log: Logger, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof Error && /no more available ports/i.test(error.message)) {
      // The person is told the server is full; the operator needs to hear why.
      log.warn('every port of RTC_MIN_PORT-RTC_MAX_PORT is taken; a transport was refused');
      throw new MediaError('capacity', 'no free port for a new media connection');
    }
    throw error;
  }
}

/**
 * mediasoup rejects parameters it cannot use with a TypeError or an UnsupportedError, before
 * changing anything; callers get that as MediaError 'invalid'.
 */
async function refusingBadParameters<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof TypeError || (error as Error).name === 'UnsupportedError') {
      throw new MediaError('invalid', `media parameters refused: ${(error as Error).message}`);
    }
    throw error;
  }
}
