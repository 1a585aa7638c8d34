import { EventEmitter } from 'node:events';

import type { Redis } from 'ioredis';

import type { Logger } from '../logger.ts';
import type { SharedPeer, SharedRoster, SharedRosterEvents, TakenReason } from './SharedRoster.ts';
import { readHash } from './readHash.ts';
import { parseSharedPeer } from './sharedPeerCodec.ts';

/**
 * Writes a participant unless another node owns it now (it was resumed or replaced there), and
 * notes its meeting in the set the reaper walks.
 */
const PUT = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if current and cjson.decode(current).nodeId ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[2], ARGV[4])
return 1`;

/**
 * Deletes a participant if `nodeId` still owns it; then says whether the meeting is empty. An
 * empty meeting forgets who was let in from its waiting room (KEYS[3]).
 */
const REMOVE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local removed = 0
if current and cjson.decode(current).nodeId == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  removed = 1
end
local left = redis.call('HLEN', KEYS[1])
if left == 0 then
  redis.call('SREM', KEYS[2], ARGV[3])
  redis.call('DEL', KEYS[3])
end
return {removed, left}`;

/** How long a let-in is remembered at most, should a meeting never be seen empty (a lost node). */
const LET_IN_TTL_MS = 12 * 60 * 60 * 1000;

/** Moves a participant to another node if it is still on the node the caller saw it on. */
const CLAIM = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current or cjson.decode(current).nodeId ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/** A meeting with nobody left leaves the reaper's set. */
const FORGET_IF_EMPTY = `
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[1]) end
return 0`;

export interface RedisRosterOptions {
  /** Commands fail at once while Redis is away (no offline queue). */
  redis: Redis;
  /** A connection of its own for the subscription (ioredis resubscribes after a reconnect). */
  subscriber: Redis;
  keyPrefix: string;
  nodeId: string;
  log: Logger;
  /** How long a dead node's participants wait for their clients to resume elsewhere. */
  graceMs: number;
  /** How often this node renews its heartbeat and looks for dead nodes' participants. */
  heartbeatMs?: number;
}

/**
 * Participants of shared meetings in Redis: one hash per meeting (peer id → SharedPeer as JSON),
 * a set of meetings that have participants, and a heartbeat key per signalling node that expires
 * three heartbeats after the node stops. Every node walks the meetings: a participant whose node's
 * heartbeat is gone, and that nobody resumed within the grace period, is removed by the one node
 * whose conditional delete succeeds, which tells the meeting.
 *
 * What stays in each node's memory: the sockets, the Peer objects of its own participants, held
 * peers' timers and rate limits (waiting rooms are shared by RedisLobbies).
 */
export class RedisRoster implements SharedRoster {
  readonly isShared = true;
  readonly nodeId: string;
  readonly events = new EventEmitter<SharedRosterEvents>();
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #graceMs: number;
  readonly #heartbeatMs: number;
  /** Participants of dead nodes, and when this node first saw them so. */
  readonly #orphans = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #sweeping: Promise<void> | null = null;
  /** After Redis comes back, nodes get a few heartbeats to write themselves in before any is judged. */
  #judgeFrom = 0;
  #closed = false;

  constructor(options: RedisRosterOptions) {
    this.#redis = options.redis;
    this.#subscriber = options.subscriber;
    this.#prefix = `${options.keyPrefix}signal:`;
    this.nodeId = options.nodeId;
    this.#log = options.log;
    this.#graceMs = options.graceMs;
    this.#heartbeatMs = options.heartbeatMs ?? 1_000;
    this.#redis.on('ready', () => {
      this.#orphans.clear();
      this.#judgeFrom = Date.now() + 3 * this.#heartbeatMs;
      this.events.emit('republish');
    });
    this.#subscriber.on('message', (_channel: string, message: string) => this.#onMessage(message));
  }

  /** Subscribes, writes the first heartbeat and starts the sweeps. */
  async start(): Promise<void> {
    await this.#subscriber.subscribe(this.#channel);
    await this.#beat();
    this.#timer = setInterval(() => {
      this.#sweeping ??= this.#tick().finally(() => (this.#sweeping = null));
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  get isReady(): boolean {
    return this.#redis.status === 'ready' && this.#subscriber.status === 'ready';
  }

  async put(peer: SharedPeer): Promise<boolean> {
    const written = await this.#redis.eval(
      PUT,
      2,
      this.#meetingKey(peer.meetingId),
      this.#meetingsKey,
      peer.peerId,
      this.nodeId,
      JSON.stringify({ ...peer, nodeId: this.nodeId }),
      peer.meetingId,
    );

    return written === 1;
  }

  async remove(meetingId: string, peerId: string): Promise<boolean> {
    const [, left] = (await this.#redis.eval(
      REMOVE,
      3,
      this.#meetingKey(meetingId),
      this.#meetingsKey,
      this.#letInKey(meetingId),
      peerId,
      this.nodeId,
      meetingId,
    )) as [number, number];

    return left === 0;
  }

  async others(meetingId: string): Promise<SharedPeer[]> {
    return (await this.#all(meetingId)).filter((p) => p.nodeId !== this.nodeId);
  }

  async claim(peer: SharedPeer, fromNode: string, reason: TakenReason): Promise<boolean> {
    const claimed = await this.#redis.eval(
      CLAIM,
      1,
      this.#meetingKey(peer.meetingId),
      peer.peerId,
      fromNode,
      JSON.stringify({ ...peer, nodeId: this.nodeId }),
    );

    if (claimed !== 1) return false;

    await this.#tell({ ...peer, nodeId: fromNode }, reason);

    return true;
  }

  async evict(peer: SharedPeer): Promise<boolean> {
    const [removed] = (await this.#redis.eval(
      REMOVE,
      3,
      this.#meetingKey(peer.meetingId),
      this.#meetingsKey,
      this.#letInKey(peer.meetingId),
      peer.peerId,
      peer.nodeId,
      peer.meetingId,
    )) as [number, number];

    if (removed !== 1) return false;

    await this.#tell(peer, 'replaced');

    return true;
  }

  async letIn(meetingId: string, personId: string): Promise<void> {
    await this.#redis
      .multi()
      .sadd(this.#letInKey(meetingId), personId)
      .pexpire(this.#letInKey(meetingId), LET_IN_TTL_MS)
      .exec();
  }

  async sendBack(meetingId: string, personId: string): Promise<void> {
    await this.#redis.srem(this.#letInKey(meetingId), personId);
  }

  async wasLetIn(meetingId: string, personId: string): Promise<boolean> {
    return (await this.#redis.sismember(this.#letInKey(meetingId), personId)) === 1;
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#sweeping?.catch(() => {});
    // Stopping on purpose: the heartbeat goes at once, so that others need not wait for it to expire.
    await this.#redis.del(this.#nodeKey(this.nodeId)).catch(() => {});
    this.#redis.disconnect(false);
    this.#subscriber.disconnect(false);
  }

  get #meetingsKey(): string {
    return `${this.#prefix}meetings`;
  }

  get #channel(): string {
    return `${this.#prefix}taken`;
  }

  #meetingKey(meetingId: string): string {
    return `${this.#prefix}meeting:${meetingId}`;
  }

  #letInKey(meetingId: string): string {
    return `${this.#prefix}letin:${meetingId}`;
  }

  #nodeKey(nodeId: string): string {
    return `${this.#prefix}node:${nodeId}`;
  }

  #all(meetingId: string): Promise<SharedPeer[]> {
    return readHash(this.#redis, this.#meetingKey(meetingId), parseSharedPeer, () =>
      this.#log.warn({ meetingId }, 'unreadable participant record in Redis; skipped'),
    );
  }

  /** Tells the node that held a participant that it holds it no more. */
  async #tell(peer: SharedPeer, reason: TakenReason): Promise<void> {
    await this.#redis.publish(
      this.#channel,
      JSON.stringify({
        nodeId: peer.nodeId,
        meetingId: peer.meetingId,
        peerId: peer.peerId,
        reason,
      }),
    );
  }

  #onMessage(message: string): void {
    let parsed: { nodeId?: unknown; meetingId?: unknown; peerId?: unknown; reason?: unknown };

    try {
      parsed = JSON.parse(message) as typeof parsed;
    } catch {
      return;
    }

    const { nodeId, meetingId, peerId, reason } = parsed;

    if (nodeId !== this.nodeId || typeof meetingId !== 'string' || typeof peerId !== 'string') {
      return;
    }
    this.events.emit('taken', meetingId, peerId, reason === 'replaced' ? 'replaced' : 'moved');
  }

  async #tick(): Promise<void> {
    if (this.#closed || this.#redis.status !== 'ready') return;

    try {
      await this.#beat();
      await this.#reap();
    } catch (error) {
      this.#log.debug({ err: error }, 'signalling cluster heartbeat failed');
    }
  }

  /**
   * Renews this node's heartbeat. Finding it gone (Redis lost its data, or this node was away
   * longer than its lifetime) means the shared records may be gone too: they are written again.
   */
  async #beat(): Promise<void> {
    const previous = await this.#redis.set(
      this.#nodeKey(this.nodeId),
      String(Date.now()),
      'PX',
      3 * this.#heartbeatMs,
      'GET',
    );

    if (previous === null && this.#timer) this.events.emit('republish');
  }

  /** Removes the participants of dead nodes that nobody resumed within the grace period. */
  async #reap(): Promise<void> {
    if (Date.now() < this.#judgeFrom) return;

    const meetingIds = await this.#redis.smembers(this.#meetingsKey);
    const alive = new Map<string, boolean>([[this.nodeId, true]]);
    const stillOrphaned = new Set<string>();

    for (const meetingId of meetingIds) {
      const peers = await this.#all(meetingId);

      if (peers.length === 0) {
        await this.#redis.eval(
          FORGET_IF_EMPTY,
          2,
          this.#meetingKey(meetingId),
          this.#meetingsKey,
          meetingId,
        );
        continue;
      }
      for (const peer of peers) {
        if (!alive.has(peer.nodeId)) {
          alive.set(peer.nodeId, (await this.#redis.exists(this.#nodeKey(peer.nodeId))) === 1);
        }
        if (alive.get(peer.nodeId)) continue;

        const key = `${meetingId}/${peer.peerId}/${peer.nodeId}`;
        const since = this.#orphans.get(key) ?? Date.now();

        this.#orphans.set(key, since);
        stillOrphaned.add(key);
        if (Date.now() - since < this.#graceMs) continue;

        const [removed] = (await this.#redis.eval(
          REMOVE,
          3,
          this.#meetingKey(meetingId),
          this.#meetingsKey,
          this.#letInKey(meetingId),
          peer.peerId,
          peer.nodeId,
          meetingId,
        )) as [number, number];

        if (removed === 1) {
          this.#log.info(
            { meetingId, peerId: peer.peerId, nodeId: peer.nodeId },
            'participant of a dead signalling node not resumed in time; removed',
          );
          this.events.emit('orphanleft', peer);
        }
      }
    }
    for (const key of this.#orphans.keys()) if (!stillOrphaned.has(key)) this.#orphans.delete(key);
  }
}
