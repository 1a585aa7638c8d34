import type { Redis } from 'ioredis';

import type { Logger } from '../logger.ts';
import type { ClusterKeys } from './keys.ts';

/** What a media node carries right now; the cluster places new rooms by it. */
export interface NodeLoad {
  workers: number;
  rooms: number;
  transports: number;
  producers: number;
  consumers: number;
  /** Share of its workers' CPU the node used since its last heartbeat, 0-1. */
  cpu: number;
}

/** A media node's registration in Redis. */
export interface MediaNodeRecord {
  nodeId: string;
  /** The address clients reach the node's media on: its announced IP, else its listen IP. */
  address: string;
  /** When the node process started, ms since the epoch: a new value means a restarted node. */
  startedAt: number;
  load: NodeLoad;
}

/** Heartbeats every second; a node silent for three is gone. */
export const DEFAULT_HEARTBEAT_MS = 1_000;
export const DEFAULT_LAPSE_MS = 3_000;

/** How long a room stays placed on its node without being opened again. */
export const PLACEMENT_TTL_MS = 24 * 60 * 60 * 1000;

/** How long the cluster remembers evicting a node, so that the node learns of it on its return. */
const EVICTION_MEMORY_MS = 60_000;

/**
 * A room weighs as much as this many consumers: a fresh room brings its consumers only as its
 * people arrive. A node whose workers are fully busy (cpu 1) weighs as much as CPU_WEIGHT more.
 */
const ROOM_WEIGHT = 10;
const CPU_WEIGHT = 500;

/** One number to compare nodes by; lower is less loaded. */
export function loadScore(load: NodeLoad): number {
  return load.consumers + ROOM_WEIGHT * load.rooms + CPU_WEIGHT * load.cpu;
}

export const RECENT_PLACEMENT_WEIGHT = ROOM_WEIGHT;

/*
 * Renews a node's registration in one step. Returns 'evicted' (and clears the mark) when the
 * cluster gave up on the node meanwhile, 'registered' when there was no registration to renew
 * (a fresh start, or Redis lost its data), 'renewed' otherwise.
 * KEYS: node record, eviction mark, node set. ARGV: record JSON, lapse ms, node id.
 */
const HEARTBEAT_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then
  redis.call('DEL', KEYS[2])
  redis.call('DEL', KEYS[1])
  return 'evicted'
end
local existed = redis.call('EXISTS', KEYS[1])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
if existed == 1 then return 'renewed' end
return 'registered'
`;

export interface RegistrationOptions {
  redis: Redis;
  keys: ClusterKeys;
  nodeId: string;
  address: string;
  log: Logger;
  load: () => Promise<NodeLoad>;
  /** The rooms the node holds, to claim their placements again after Redis lost them. */
  roomIds: () => string[];
  /** The cluster gave up on the node and moved its rooms: drop what it still holds of them. */
  onEvicted: () => Promise<void>;
  /**
   * A room held here was placed on another node while this one was away from Redis: close it
   * here, so that its people (told by the closing) set up their media where the room is now.
   */
  onPlacementLost: (roomId: string) => Promise<void>;
  heartbeatMs?: number;
  lapseMs?: number;
}

/**
 * A media node's presence in Redis: a record with a TTL that a heartbeat renews. When the process
 * dies or loses Redis the record lapses, and the signalling nodes move its rooms elsewhere.
 */
export class NodeRegistration {
  readonly #options: RegistrationOptions;
  readonly #startedAt = Date.now();
  readonly #heartbeatMs: number;
  readonly #lapseMs: number;
  #timer: NodeJS.Timeout | null = null;
  #beating: Promise<void> | null = null;
  /** The load last measured, sent again while a measurement runs late. */
  #lastLoad: NodeLoad | null = null;
  #isFailing = false;
  #stopped = false;

  constructor(options: RegistrationOptions) {
    this.#options = options;
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.#lapseMs = options.lapseMs ?? DEFAULT_LAPSE_MS;
  }

  /** Registers now (rejecting if Redis refuses) and then renews every heartbeat. */
  async start(): Promise<void> {
    await this.#beat();
    this.resume();
  }

  /** Renews every heartbeat (again, after pause()). */
  resume(): void {
    if (this.#timer || this.#stopped) return;

    this.#timer = setInterval(() => {
      this.#beating ??= this.#beat()
        .catch((error: unknown) => {
          if (this.#isFailing) return;

          this.#isFailing = true;
          this.#options.log.warn({ err: error }, 'heartbeat failed; retrying every heartbeat');
        })
        .finally(() => (this.#beating = null));
    }, this.#heartbeatMs);
  }

  /** Stops renewing without deregistering, as a hung node would: for tests of lapsing. */
  pause(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Stops the heartbeat and removes the registration, so that the node's rooms move at once. */
  async stop(): Promise<void> {
    if (this.#stopped) return;

    this.#stopped = true;
    this.pause();
    await this.#beating;

    const { redis, keys, nodeId } = this.#options;

    await redis.multi().del(keys.node(nodeId)).srem(keys.nodes, nodeId).exec();
  }

  async #beat(): Promise<void> {
    const { redis, keys, nodeId, address, log } = this.#options;
    const record: MediaNodeRecord = {
      nodeId,
      address,
      startedAt: this.#startedAt,
      load: await this.#load(),
    };

    if (this.#stopped) return;

    const outcome = (await redis.eval(
      HEARTBEAT_SCRIPT,
      3,
      keys.node(nodeId),
      keys.evicted(nodeId),
      keys.nodes,
      JSON.stringify(record),
      this.#lapseMs,
      nodeId,
    )) as 'evicted' | 'registered' | 'renewed';

    if (this.#isFailing) {
      this.#isFailing = false;
      log.info('heartbeat renewed again');
    }

    if (outcome === 'evicted') {
      log.warn('the cluster gave up on this node and moved its rooms; dropping them');
      await this.#options.onEvicted();
      await this.#beat();
    } else if (outcome === 'registered') {
      await this.#claimPlacements();
    }
  }

  /**
   * The node's load, measured by asking its workers. Busy workers may answer late: the heartbeat
   * then goes out on time with the load last measured, rather than let the registration lapse
   * and move every room of a node that is only busy. The first registration waits for a figure.
   */
  async #load(): Promise<NodeLoad> {
    const measuring = this.#options.load().then((load) => (this.#lastLoad = load));

    if (this.#lastLoad === null) return measuring;

    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<null>((resolve) => {
      timer = setTimeout(resolve, this.#heartbeatMs / 2, null);
    });

    measuring.catch(() => {});
    try {
      return (await Promise.race([measuring.catch(() => null), late])) ?? this.#lastLoad;
    } finally {
      clearTimeout(timer);
    }
  }

  /** After Redis lost its data: the rooms this node holds are still here, not to be placed anew. */
  async #claimPlacements(): Promise<void> {
    const { redis, keys, nodeId, roomIds, log } = this.#options;
    const rooms = roomIds();

    if (rooms.length === 0) return;

    const batch = redis.multi();

    for (const roomId of rooms) batch.set(keys.room(roomId), nodeId, 'PX', PLACEMENT_TTL_MS, 'NX');

    const claims = (await batch.exec()) ?? [];
    const refused = rooms.filter((_, i) => claims[i]?.[1] !== 'OK');
    const owners = refused.length > 0 ? await redis.mget(refused.map((r) => keys.room(r))) : [];
    let lost = 0;

    for (const [i, roomId] of refused.entries()) {
      if (owners[i] === null || owners[i] === nodeId) continue;

      lost++;
      await this.#options.onPlacementLost(roomId);
    }
    log.info(
      { rooms: rooms.length - lost, lost },
      'claimed the placements of the rooms held here; closed those placed elsewhere meanwhile',
    );
  }
}

/** What the cluster knows of one registered node right now. */
export interface NodeSighting {
  nodeId: string;
  /** Null when the registration lapsed or was removed. */
  record: MediaNodeRecord | null;
  /** Whether the node's process has a subscription to its request channel right now. */
  isListening: boolean;
  isEvicted: boolean;
}

/**
 * Reads every registered node in one round trip: records, eviction marks, and how many listen on
 * each node's request channel. A process that dies loses its Redis connection with it, so its
 * subscription is gone within moments, long before its record lapses.
 */
export async function sightNodes(redis: Redis, keys: ClusterKeys): Promise<NodeSighting[]> {
  const nodeIds = await redis.smembers(keys.nodes);

  if (nodeIds.length === 0) return [];

  const batch = redis.multi();

  batch.mget(...nodeIds.map((id) => keys.node(id)));
  batch.mget(...nodeIds.map((id) => keys.evicted(id)));
  batch.call('PUBSUB', 'NUMSUB', ...nodeIds.map((id) => keys.requests(id)));

  const results = await batch.exec();

  if (!results) throw new Error('the registry read was aborted');

  const [records, evictions, listeners] = results.map(([error, value]) => {
    if (error) throw error;

    return value;
  }) as [(string | null)[], (string | null)[], (string | number)[]];

  return nodeIds.map((nodeId, i) => ({
    nodeId,
    record: parseRecord(records[i] ?? null),
    // NUMSUB answers channel, count, channel, count...
    isListening: Number(listeners[2 * i + 1]) > 0,
    isEvicted: evictions[i] !== null,
  }));
}

/**
 * Gives up on a node: its record goes, and its eviction is remembered so that the node, if it was
 * only cut off, drops the rooms that moved when it comes back.
 */
export async function evictNode(redis: Redis, keys: ClusterKeys, nodeId: string): Promise<void> {
  await redis
    .multi()
    .set(keys.evicted(nodeId), '1', 'PX', EVICTION_MEMORY_MS)
    .del(keys.node(nodeId))
    .srem(keys.nodes, nodeId)
    .exec();
}

function parseRecord(raw: string | null): MediaNodeRecord | null {
  if (raw === null) return null;

  try {
    const record = JSON.parse(raw) as MediaNodeRecord;

    return typeof record.nodeId === 'string' && typeof record.load === 'object' ? record : null;
  } catch {
    return null;
  }
}
