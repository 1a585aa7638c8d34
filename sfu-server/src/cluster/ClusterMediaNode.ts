import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

import type { types } from 'mediasoup';

import { MediaError } from '../errors.ts';
import type { Logger } from '../logger.ts';
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
  RoomClosedReason,
  TransportDirection,
  WebRtcTransportInfo,
} from '../MediaNode.ts';
import { ClusterKeys } from './keys.ts';
import { placementOf, placeRoom, unplaceRoom } from './placement.ts';
import type { EventMessage, MediaNodeMethod, MethodArgs, MethodResult } from './protocol.ts';
import type { MediaNodeRecord } from './registry.ts';
import {
  DEFAULT_HEARTBEAT_MS,
  DEFAULT_LAPSE_MS,
  evictNode,
  loadScore,
  sightNodes,
} from './registry.ts';
import { RpcClient } from './RpcClient.ts';

/** How often the registry is read: how soon a dead node's process is noticed. */
export const DEFAULT_POLL_MS = 500;

/**
 * A node with a registration whose process holds no subscription is given this many reads before
 * it counts as dead: a connection that blips is not a death.
 */
const SILENT_READS_BEFORE_DEATH = 2;

/**
 * Right after Redis restarts the registry is empty until the nodes' next heartbeats: a room opened
 * then waits this many heartbeats for a node to register before it fails for want of one.
 */
const HEARTBEATS_TO_WAIT_FOR_A_NODE = 2;

export interface ClusterOptions {
  redisUrl: string;
  log: Logger;
  keyPrefix?: string;
  /** Per call; a node that does not answer within it fails the call with 'unavailable'. */
  timeoutMs?: number;
  pollMs?: number;
  /** The nodes' lapse time: how long after Redis comes back before any node is judged. */
  lapseMs?: number;
  /** The nodes' heartbeat interval: how long a node takes to register again after Redis lost it. */
  heartbeatMs?: number;
}

interface KnownNode {
  record: MediaNodeRecord;
  silentReads: number;
}

/**
 * The media nodes of a cluster, seen by a signalling node as one MediaNode. Each room is placed
 * on the least-loaded live node, the placement is kept in Redis so that every signalling node
 * sends the room's calls to the same node, and every call is forwarded there.
 *
 * A node that stops listening (its process died) or whose registration lapsed (its host died, or
 * it hung) is given up: its rooms are announced with `roomclosed` reason 'node_died', and opening
 * them again places them on a live node, exactly as a dead worker's rooms move to a live worker.
 */
export class ClusterMediaNode implements MediaNode {
  readonly events = new EventEmitter<MediaNodeEvents>();
  readonly #client: RpcClient;
  readonly #keys: ClusterKeys;
  readonly #log: Logger;
  readonly #pollMs: number;
  readonly #lapseMs: number;
  readonly #heartbeatMs: number;
  readonly #nodes = new Map<string, KnownNode>();
  /** The rooms this signalling node opened, and the node each lives on. */
  readonly #rooms = new Map<string, string>();
  #timer: NodeJS.Timeout | null = null;
  #polling: Promise<void> | null = null;
  /** When Redis last became ready: its data may have been lost, so nodes get time to return. */
  #redisReadySince = Date.now();
  #closed = false;

  private constructor(client: RpcClient, options: ClusterOptions) {
    this.#client = client;
    this.#keys = client.keys;
    this.#log = options.log;
    this.#pollMs = options.pollMs ?? DEFAULT_POLL_MS;
    this.#lapseMs = options.lapseMs ?? DEFAULT_LAPSE_MS;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    client.on('nodeevent', (nodeId, message) => this.#onNodeEvent(nodeId, message));
    client.on('redisready', () => (this.#redisReadySince = Date.now()));
  }

  static async connect(options: ClusterOptions): Promise<ClusterMediaNode> {
    const client = await RpcClient.connect({
      redisUrl: options.redisUrl,
      keys: new ClusterKeys(options.keyPrefix),
      log: options.log,
      timeoutMs: options.timeoutMs,
    });
    const cluster = new ClusterMediaNode(client, options);

    try {
      await cluster.refresh();
    } catch (error) {
      client.close();
      throw error;
    }
    cluster.#timer = setInterval(() => {
      cluster.refresh().catch((error: unknown) => {
        cluster.#log.debug({ err: error }, 'reading the media registry failed');
      });
    }, cluster.#pollMs);

    return cluster;
  }

  /**
   * Whether Redis answers right now. While it does not, rooms already placed keep their media (the
   * nodes carry on) but no call reaches them: a readiness check reports the service degraded.
   */
  get isRedisReady(): boolean {
    return this.#client.isRedisReady;
  }

  /** The nodes judged live at the last read of the registry. */
  liveNodes(): MediaNodeRecord[] {
    return [...this.#nodes.values()].map((known) => known.record);
  }

  /** The node this signalling node sends the room's calls to; undefined for a room it never opened. */
  nodeOf(roomId: string): string | undefined {
    return this.#rooms.get(roomId);
  }

  /**
   * Reads the registry and acts on what changed: new nodes are watched, dead ones evicted and
   * their rooms announced closed. Runs every poll; tests call it to skip the wait.
   */
  refresh(): Promise<void> {
    this.#polling ??= this.#readRegistry().finally(() => (this.#polling = null));

    return this.#polling;
  }

  async openRoom(roomId: string): Promise<{ rtpCapabilities: types.RtpCapabilities }> {
    this.#checkOpen();

    // No live node may only mean that Redis restarted empty and the nodes have not registered
    // again yet: they do within a heartbeat, so the room waits a little for one.
    const deadline = Date.now() + HEARTBEATS_TO_WAIT_FOR_A_NODE * this.#heartbeatMs;
    let nodeId = await this.#place(roomId);

    while (nodeId === null && Date.now() < deadline && !this.#closed) {
      await sleep(Math.min(this.#pollMs, Math.max(0, deadline - Date.now()), 250));
      await this.refresh().catch(() => {});
      nodeId = await this.#place(roomId);
    }
    if (nodeId === null) throw new MediaError('capacity', 'no media node is available');

    const opened = await this.#client.call(nodeId, 'openRoom', [roomId]);
    const known = this.#rooms.get(roomId);

    // The room lives elsewhere now (another signalling node moved it): the people here still
    // have their media on the old node, and set it up anew where the room is.
    if (known !== undefined && known !== nodeId) this.#roomClosed(roomId, known, 'closed');
    this.#rooms.set(roomId, nodeId);

    return opened;
  }

  #place(roomId: string): Promise<string | null> {
    const candidates = [...this.#nodes.values()].map(({ record }) => ({
      nodeId: record.nodeId,
      score: loadScore(record.load),
    }));

    return this.#redis(() =>
      placeRoom(this.#client.redis, this.#keys, roomId, candidates, this.#rooms.get(roomId)),
    );
  }

  async closeRoom(roomId: string): Promise<void> {
    this.#checkOpen();

    const nodeId = this.#rooms.get(roomId) ?? (await this.#placed(roomId));

    this.#rooms.delete(roomId);
    if (nodeId === null) return;

    await this.#client.call(nodeId, 'closeRoom', [roomId]);
    await this.#redis(() => unplaceRoom(this.#client.redis, this.#keys, roomId, nodeId));
  }

  /** Stops following the room: its events are not for this node, and its node may change. */
  releaseRoom(roomId: string): void {
    this.#rooms.delete(roomId);
  }

  createWebRtcTransport(
    request: PeerRef & { direction: TransportDirection },
  ): Promise<WebRtcTransportInfo> {
    return this.#forward(request.roomId, 'createWebRtcTransport', [request]);
  }

  connectTransport(
    request: PeerRef & { transportId: string; dtlsParameters: types.DtlsParameters },
  ): Promise<void> {
    return this.#forward(request.roomId, 'connectTransport', [request]);
  }

  restartIce(request: PeerRef & { transportId: string }): Promise<types.IceParameters> {
    return this.#forward(request.roomId, 'restartIce', [request]);
  }

  createPlainTransport(request: PeerRef & { comedia?: boolean }): Promise<PlainTransportInfo> {
    return this.#forward(request.roomId, 'createPlainTransport', [request]);
  }

  connectPlainTransport(
    request: PeerRef & { transportId: string; ip: string; port: number },
  ): Promise<void> {
    return this.#forward(request.roomId, 'connectPlainTransport', [request]);
  }

  produce(request: ProduceRequest): Promise<{ producerId: string }> {
    return this.#forward(request.roomId, 'produce', [request]);
  }

  closeProducer(request: PeerRef & { producerId: string }): Promise<void> {
    return this.#forward(request.roomId, 'closeProducer', [request]);
  }

  pauseProducer(request: PeerRef & { producerId: string }): Promise<void> {
    return this.#forward(request.roomId, 'pauseProducer', [request]);
  }

  resumeProducer(request: PeerRef & { producerId: string }): Promise<void> {
    return this.#forward(request.roomId, 'resumeProducer', [request]);
  }

  consume(request: ConsumeRequest): Promise<ConsumerInfo> {
    return this.#forward(request.roomId, 'consume', [request]);
  }

  resumeConsumer(request: PeerRef & { consumerId: string }): Promise<void> {
    return this.#forward(request.roomId, 'resumeConsumer', [request]);
  }

  closeTransport(request: PeerRef & { transportId: string }): Promise<void> {
    return this.#forward(request.roomId, 'closeTransport', [request]);
  }

  closeConsumer(request: PeerRef & { consumerId: string }): Promise<void> {
    return this.#forward(request.roomId, 'closeConsumer', [request]);
  }

  pauseConsumer(request: PeerRef & { consumerId: string }): Promise<void> {
    return this.#forward(request.roomId, 'pauseConsumer', [request]);
  }

  setPreferredLayers(
    request: PeerRef & { consumerId: string; spatialLayer: number; temporalLayer?: number },
  ): Promise<void> {
    return this.#forward(request.roomId, 'setPreferredLayers', [request]);
  }

  setConsumerPriority(request: PeerRef & { consumerId: string; priority: number }): Promise<void> {
    return this.#forward(request.roomId, 'setConsumerPriority', [request]);
  }

  describePeer(request: PeerRef): Promise<PeerMediaState> {
    return this.#forward(request.roomId, 'describePeer', [request]);
  }

  roomLinkStats(roomId: string): Promise<PeerLinkStats[]> {
    return this.#forward(roomId, 'roomLinkStats', [roomId]);
  }

  closePeer(request: PeerRef): Promise<void> {
    return this.#forward(request.roomId, 'closePeer', [request]);
  }

  /** The sum over the live nodes that answered. */
  async stats(): Promise<MediaNodeStats> {
    const answers = await this.#askEveryNode('stats');

    return answers.reduce<MediaNodeStats>(
      (sum, s) => ({
        workers: sum.workers + s.workers,
        workerPids: [...sum.workerPids, ...s.workerPids],
        rooms: sum.rooms + s.rooms,
        transports: sum.transports + s.transports,
        producers: sum.producers + s.producers,
        consumers: sum.consumers + s.consumers,
      }),
      { workers: 0, workerPids: [], rooms: 0, transports: 0, producers: 0, consumers: 0 },
    );
  }

  async usage(): Promise<MediaNodeUsage> {
    const answers = await this.#askEveryNode('usage');

    return {
      workers: answers.flatMap((u) => u.workers),
      bitrateIn: answers.reduce((sum, u) => sum + u.bitrateIn, 0),
      bitrateOut: answers.reduce((sum, u) => sum + u.bitrateOut, 0),
    };
  }

  /** Lets go of the cluster; the media nodes and their rooms carry on for other signalling nodes. */
  async close(): Promise<void> {
    if (this.#closed) return;

    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#polling?.catch(() => {});
    this.#client.close();
  }

  async #forward<M extends MediaNodeMethod>(
    roomId: string,
    method: M,
    args: MethodArgs<M>,
  ): Promise<MethodResult<M>> {
    this.#checkOpen();

    let nodeId = this.#rooms.get(roomId);

    if (nodeId === undefined) {
      // Opened by another signalling node: from now on this one follows the room's events too.
      const placed = await this.#placed(roomId);

      if (placed === null) throw new MediaError('not_found', 'no such room');
      this.#rooms.set(roomId, placed);
      nodeId = placed;
    }

    try {
      return await this.#client.call(nodeId, method, args);
    } catch (error) {
      // The node may be gone, and another signalling node may have noticed first and moved the
      // room: this one notices now, at its first failed call, rather than at its next poll.
      if (
        error instanceof MediaError &&
        error.code === 'unavailable' &&
        this.#client.isRedisReady
      ) {
        await this.#checkNodeOf(roomId, nodeId).catch((checkError: unknown) => {
          this.#log.debug({ err: checkError }, 'checking a media node after a failed call failed');
        });
      }
      throw error;
    }
  }

  /**
   * After a call to the room's node failed: gives the node up at once when another signalling
   * node already did (its eviction is marked, or its registration is gone), and forgets the room
   * when it was placed on another node meanwhile. A node that only does not listen right now is judged
   * by the registry reads as usual (a blip is not a death), starting with one now.
   */
  async #checkNodeOf(roomId: string, nodeId: string): Promise<void> {
    const results = await this.#client.redis
      .multi()
      .get(this.#keys.node(nodeId))
      .get(this.#keys.evicted(nodeId))
      .get(this.#keys.room(roomId))
      .exec();

    if (!results) return;

    const [record, evicted, placed] = results.map(([error, value]) => {
      if (error) throw error;

      return value;
    }) as [string | null, string | null, string | null];

    // Right after Redis came back empty, a missing record or placement says nothing yet.
    const mayJudge = Date.now() - this.#redisReadySince >= this.#lapseMs;

    if (this.#closed) return;
    if (evicted !== null || (record === null && mayJudge)) {
      if (this.#nodes.has(nodeId)) await this.#giveUp(nodeId, 'another node gave it up');
      else this.#roomsLost(nodeId);

      return;
    }
    if (mayJudge && placed !== null && placed !== nodeId && this.#rooms.get(roomId) === nodeId) {
      this.#roomClosed(roomId, nodeId);

      return;
    }
    void this.refresh().catch(() => {});
  }

  /** Where another signalling node placed a room this one did not open. */
  #placed(roomId: string): Promise<string | null> {
    return this.#redis(() => placementOf(this.#client.redis, this.#keys, roomId));
  }

  async #askEveryNode<M extends 'stats' | 'usage'>(method: M): Promise<MethodResult<M>[]> {
    this.#checkOpen();

    const answers = await Promise.allSettled(
      [...this.#nodes.keys()].map((nodeId) =>
        this.#client.call(nodeId, method, [] as MethodArgs<M>),
      ),
    );

    return answers.flatMap((a) => (a.status === 'fulfilled' ? [a.value as MethodResult<M>] : []));
  }

  async #readRegistry(): Promise<void> {
    if (this.#closed || !this.#client.isRedisReady) return;

    const sightings = await sightNodes(this.#client.redis, this.#keys);
    // Right after Redis came back its data may be gone, the nodes' records with it; they renew
    // them within a heartbeat, and until then nobody is judged by their absence.
    const mayJudge = Date.now() - this.#redisReadySince >= this.#lapseMs;
    const seen = new Set<string>();

    for (const sighting of sightings) {
      const { nodeId, record } = sighting;
      const known = this.#nodes.get(nodeId);

      seen.add(nodeId);
      if (!record || sighting.isEvicted) {
        if (known && mayJudge) await this.#giveUp(nodeId, 'its registration lapsed');
        // Gone before this signalling node ever saw it: only its name is left to tidy.
        else if (!known && !record && mayJudge)
          await this.#client.redis.srem(this.#keys.nodes, nodeId);

        continue;
      }
      if (known && known.record.startedAt !== record.startedAt) {
        // Restarted under the same id between two reads: the rooms it held are gone.
        this.#roomsLost(nodeId);
      }

      const silentReads = sighting.isListening ? 0 : (known?.silentReads ?? 0) + 1;

      if (silentReads >= SILENT_READS_BEFORE_DEATH && mayJudge) {
        if (known) await this.#giveUp(nodeId, 'its process stopped listening');
        else await evictNode(this.#client.redis, this.#keys, nodeId);

        continue;
      }
      if (!known) {
        await this.#client.watchEvents(nodeId);
        this.#log.info({ nodeId, address: record.address }, 'media node joined');
      }
      this.#nodes.set(nodeId, { record, silentReads });
    }

    if (!mayJudge) return;

    for (const nodeId of this.#nodes.keys()) {
      if (!seen.has(nodeId)) await this.#giveUp(nodeId, 'it left the registry');
    }
    // Rooms learnt on nodes that never showed up as live here.
    for (const [roomId, nodeId] of this.#rooms) {
      if (!this.#nodes.has(nodeId)) this.#roomClosed(roomId, nodeId);
    }
  }

  async #giveUp(nodeId: string, why: string): Promise<void> {
    this.#log.warn({ nodeId, why }, 'media node gone; its rooms move to live nodes');
    this.#nodes.delete(nodeId);
    await evictNode(this.#client.redis, this.#keys, nodeId);
    await this.#client.unwatchEvents(nodeId);
    this.#roomsLost(nodeId);
  }

  #roomsLost(nodeId: string): void {
    for (const [roomId, placedOn] of this.#rooms) {
      if (placedOn === nodeId) this.#roomClosed(roomId, nodeId);
    }
  }

  #roomClosed(roomId: string, nodeId: string, reason: RoomClosedReason = 'node_died'): void {
    this.#rooms.delete(roomId);
    this.#log.warn({ roomId, nodeId, reason }, 'room lost its media node');
    this.events.emit('roomclosed', { roomId, reason });
  }

  #onNodeEvent(nodeId: string, message: EventMessage): void {
    const { roomId } = message.payload as { roomId?: unknown };

    // Events of rooms that live elsewhere now, or that another signalling node opened, are not ours.
    if (typeof roomId !== 'string' || this.#rooms.get(roomId) !== nodeId) return;

    (this.events.emit as (event: string, payload: unknown) => boolean)(
      message.event,
      message.payload,
    );
  }

  async #redis<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      this.#log.debug({ err: error }, 'a media cluster command failed');
      throw new MediaError('unavailable', 'the media cluster cannot be reached (Redis)');
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new MediaError('closed', 'the media cluster client is closed');
  }
}
