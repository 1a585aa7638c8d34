import type { Redis } from 'ioredis';

import type { Logger } from '../logger.ts';
import type { WaitingPerson } from '../protocol/index.ts';
import { readHash } from './readHash.ts';

/** One person waiting to be let in, as every signalling node of a cluster sees them. */
export interface SharedWaiting extends WaitingPerson {
  meetingId: string;
  /** The signalling node that holds the waiting person's connection. */
  nodeId: string;
}

/** Deletes a waiting person if `nodeId` still holds them; a lobby left empty leaves the set. */
const REMOVE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
local removed = 0
if current and cjson.decode(current).nodeId == ARGV[2] then
  redis.call('HDEL', KEYS[1], ARGV[1])
  removed = 1
end
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('SREM', KEYS[2], ARGV[3]) end
return removed`;

export interface RedisLobbiesOptions {
  /** The roster's command connection (no offline queue). */
  redis: Redis;
  keyPrefix: string;
  nodeId: string;
  log: Logger;
  /** How often this node looks for the waiting people of dead nodes (the roster's heartbeat). */
  heartbeatMs?: number;
}

/**
 * The waiting rooms of shared meetings in Redis: one hash per meeting (waiting peer id →
 * SharedWaiting as JSON) and a set of meetings with people waiting. The connection itself stays
 * with the node that holds it; a node whose heartbeat (the roster's, `signal:node:<id>`) is gone
 * loses its waiting people at once: they are left out of every list, and removed by the sweep.
 */
export class RedisLobbies {
  readonly nodeId: string;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #log: Logger;
  readonly #heartbeatMs: number;
  #timer: NodeJS.Timeout | null = null;
  #sweeping: Promise<void> | null = null;
  /** Told of each meeting whose list the sweep changed. */
  onSwept: (meetingId: string) => void = () => {};
  /** Told when the shared records may be gone (the roster's `republish`): write them again. */
  onRepublish: () => void = () => {};

  constructor(options: RedisLobbiesOptions) {
    this.#redis = options.redis;
    this.#prefix = `${options.keyPrefix}signal:`;
    this.nodeId = options.nodeId;
    this.#log = options.log;
    this.#heartbeatMs = options.heartbeatMs ?? 1_000;
  }

  start(): void {
    this.#timer = setInterval(() => {
      this.#sweeping ??= this.#sweep()
        .catch((error: unknown) =>
          this.#log.debug({ err: error }, 'sweeping the shared waiting rooms failed'),
        )
        .finally(() => (this.#sweeping = null));
    }, this.#heartbeatMs);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    await this.#sweeping;
  }

  /** Writes a person waiting on this node. */
  async put(meetingId: string, person: WaitingPerson): Promise<void> {
    const shared: SharedWaiting = { ...person, meetingId, nodeId: this.nodeId };

    await this.#redis
      .multi()
      .hset(this.#lobbyKey(meetingId), person.peerId, JSON.stringify(shared))
      .sadd(this.#lobbiesKey, meetingId)
      .exec();
  }

  /** Removes a person who waited on this node. */
  async remove(meetingId: string, peerId: string): Promise<void> {
    await this.#redis.eval(
      REMOVE,
      2,
      this.#lobbyKey(meetingId),
      this.#lobbiesKey,
      peerId,
      this.nodeId,
      meetingId,
    );
  }

  /** Everyone waiting for the meeting on a live node, longest waiting first. */
  async list(meetingId: string): Promise<SharedWaiting[]> {
    const all = await this.#all(meetingId);
    const alive = await this.#aliveNodes(all);

    return all
      .filter((w) => alive.has(w.nodeId))
      .sort((a, b) => Date.parse(a.waitingSince) - Date.parse(b.waitingSince));
  }

  /** One waiting person on a live node, or null. */
  async find(meetingId: string, peerId: string): Promise<SharedWaiting | null> {
    return (await this.list(meetingId)).find((w) => w.peerId === peerId) ?? null;
  }

  /** Removes the waiting people of dead nodes; tells of each meeting whose list changed. */
  async #sweep(): Promise<void> {
    if (this.#redis.status !== 'ready') return;

    for (const meetingId of await this.#redis.smembers(this.#lobbiesKey)) {
      const all = await this.#all(meetingId);
      const alive = await this.#aliveNodes(all);
      let removed = 0;

      if (all.length === 0) await this.remove(meetingId, '');
      for (const waiting of all.filter((w) => !alive.has(w.nodeId))) {
        removed += (await this.#redis.eval(
          REMOVE,
          2,
          this.#lobbyKey(meetingId),
          this.#lobbiesKey,
          waiting.peerId,
          waiting.nodeId,
          meetingId,
        )) as number;
      }
      if (removed > 0) {
        this.#log.info(
          { meetingId, removed },
          'waiting people of a dead signalling node removed from the waiting room',
        );
        this.onSwept(meetingId);
      }
    }
  }

  async #aliveNodes(all: SharedWaiting[]): Promise<Set<string>> {
    const alive = new Set<string>([this.nodeId]);

    for (const nodeId of new Set(all.map((w) => w.nodeId))) {
      if (nodeId === this.nodeId) continue;
      if ((await this.#redis.exists(`${this.#prefix}node:${nodeId}`)) === 1) alive.add(nodeId);
    }

    return alive;
  }

  #all(meetingId: string): Promise<SharedWaiting[]> {
    return readHash(this.#redis, this.#lobbyKey(meetingId), parseSharedWaiting, () =>
      this.#log.warn({ meetingId }, 'unreadable waiting record in Redis; skipped'),
    );
  }

  get #lobbiesKey(): string {
    return `${this.#prefix}lobbies`;
  }

  #lobbyKey(meetingId: string): string {
    return `${this.#prefix}lobby:${meetingId}`;
  }
}

function parseSharedWaiting(json: string): SharedWaiting | null {
  try {
    const value = JSON.parse(json) as Partial<SharedWaiting>;

    return typeof value.peerId === 'string' &&
      typeof value.meetingId === 'string' &&
      typeof value.nodeId === 'string' &&
      typeof value.waitingSince === 'string'
      ? (value as SharedWaiting)
      : null;
  } catch {
    return null;
  }
}
