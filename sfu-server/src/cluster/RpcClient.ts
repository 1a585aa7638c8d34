import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

import type { Redis } from 'ioredis';

import { MediaError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ClusterKeys } from './keys.ts';
import type {
  EventMessage,
  MediaNodeMethod,
  MethodArgs,
  MethodResult,
  RpcRequest,
} from './protocol.ts';
import { bodyToError, parseEvent, parseReply } from './protocol.ts';
import { connectRedis, disconnectRedis } from './redis.ts';

/** How long a call waits for its answer by default; media calls take milliseconds. */
export const DEFAULT_CALL_TIMEOUT_MS = 5_000;

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface RpcClientEvents {
  /** An event from a node whose events are watched. */
  nodeevent: [nodeId: string, message: EventMessage];
  /** The connection to Redis is ready again after an outage (or for the first time). */
  redisready: [];
}

/**
 * The caller's side of the media RPC (see MediaNodeServer for the choice of pub/sub): one pair of
 * Redis connections shared by every node it calls. Each call has an id, waits on the caller's own
 * reply channel and fails with MediaError 'unavailable' when no node listens or none answers in
 * time; it never hangs.
 */
export class RpcClient extends EventEmitter<RpcClientEvents> {
  readonly keys: ClusterKeys;
  /** Commands other than the RPC ones (registry, placements) share this connection. */
  readonly redis: Redis;
  readonly #subscriber: Redis;
  readonly #replyChannel: string;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  readonly #pending = new Map<string, Pending>();
  /** How many watchers each node's event channel has; subscribed while above zero. */
  readonly #watched = new Map<string, number>();
  #nextId = 0;
  #closed = false;

  private constructor(
    keys: ClusterKeys,
    connections: { redis: Redis; subscriber: Redis },
    options: { timeoutMs: number; log: Logger },
  ) {
    super();
    this.keys = keys;
    this.redis = connections.redis;
    this.#subscriber = connections.subscriber;
    this.#replyChannel = keys.replies(randomUUID());
    this.#timeoutMs = options.timeoutMs;
    this.#log = options.log;
  }

  static async connect(options: {
    redisUrl: string;
    keys: ClusterKeys;
    log: Logger;
    timeoutMs?: number;
  }): Promise<RpcClient> {
    const { redisUrl, keys, log } = options;
    const redis = await connectRedis(redisUrl, log, 'caller');
    const subscriber = await connectRedis(redisUrl, log, 'caller-subscriber').catch((error) => {
      disconnectRedis(redis);
      throw error;
    });
    const client = new RpcClient(
      keys,
      { redis, subscriber },
      { timeoutMs: options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS, log },
    );

    subscriber.on('message', (channel: string, message: string) =>
      client.#onMessage(channel, message),
    );
    redis.on('ready', () => client.emit('redisready'));
    await subscriber.subscribe(client.#replyChannel);

    return client;
  }

  get isRedisReady(): boolean {
    return this.redis.status === 'ready' && this.#subscriber.status === 'ready';
  }

  /** Runs `method` on node `nodeId` and returns its result, or throws what the node threw. */
  async call<M extends MediaNodeMethod>(
    nodeId: string,
    method: M,
    args: MethodArgs<M>,
    timeoutMs = this.#timeoutMs,
  ): Promise<MethodResult<M>> {
    if (this.#closed) throw new MediaError('closed', 'the media client is closed');

    const id = `${++this.#nextId}`;
    const request: RpcRequest = { id, replyTo: this.#replyChannel, method, args, timeoutMs };
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new MediaError('unavailable', `media node ${nodeId} did not answer ${method}`));
      }, timeoutMs);

      this.#pending.set(id, { resolve, reject, timer });
    });
    let listeners: number;

    // A Redis that stopped answering holds the publish: the call still ends when its time is up,
    // and the answer's rejection is then handled here rather than crash the process.
    answer.catch(() => {});
    try {
      listeners = await Promise.race([
        this.redis.publish(this.keys.requests(nodeId), JSON.stringify(request)),
        answer.then(() => 1),
      ]);
    } catch (error) {
      this.#settle(id);
      if (error instanceof MediaError) throw error;
      throw new MediaError('unavailable', 'the media cluster cannot be reached (Redis)');
    }

    if (listeners === 0) {
      this.#settle(id);
      throw new MediaError('unavailable', `media node ${nodeId} is not listening`);
    }

    return answer as Promise<MethodResult<M>>;
  }

  /** Emits `nodeevent` for the node's events until as many unwatchEvents as watchEvents. */
  async watchEvents(nodeId: string): Promise<void> {
    const count = this.#watched.get(nodeId) ?? 0;

    this.#watched.set(nodeId, count + 1);
    if (count > 0) return;

    try {
      await this.#subscriber.subscribe(this.keys.events(nodeId));
    } catch (error) {
      // Not subscribed: the next watcher must try again rather than count on this one.
      const now = this.#watched.get(nodeId) ?? 1;

      if (now <= 1) this.#watched.delete(nodeId);
      else this.#watched.set(nodeId, now - 1);
      throw error;
    }
  }

  async unwatchEvents(nodeId: string): Promise<void> {
    const count = this.#watched.get(nodeId) ?? 0;

    if (count <= 1) {
      this.#watched.delete(nodeId);
      if (count === 1) {
        await this.#subscriber.unsubscribe(this.keys.events(nodeId)).catch(() => {});
      }
    } else {
      this.#watched.set(nodeId, count - 1);
    }
  }

  close(): void {
    if (this.#closed) return;

    this.#closed = true;
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id)?.reject(new MediaError('closed', 'the media client is closed'));
    }
    disconnectRedis(this.#subscriber);
    disconnectRedis(this.redis);
  }

  /** Forgets a pending call and returns it, so that it is answered at most once. */
  #settle(id: string): Pending | undefined {
    const pending = this.#pending.get(id);

    if (!pending) return undefined;

    clearTimeout(pending.timer);
    this.#pending.delete(id);

    return pending;
  }

  #onMessage(channel: string, raw: string): void {
    if (channel === this.#replyChannel) {
      const reply = parseReply(raw);

      if (!reply) {
        this.#log.warn('ignored a malformed media reply');

        return;
      }

      // A reply after its timeout finds nothing pending: the caller has moved on.
      const pending = this.#settle(reply.id);

      if (!pending) return;
      if (reply.ok) pending.resolve(reply.result ?? undefined);
      else pending.reject(bodyToError(reply.error));

      return;
    }

    const nodeId = this.#nodeOfEventChannel(channel);
    const message = nodeId === null ? null : parseEvent(raw);

    if (nodeId === null || !message) {
      this.#log.warn('ignored a malformed media event');

      return;
    }
    this.emit('nodeevent', nodeId, message);
  }

  #nodeOfEventChannel(channel: string): string | null {
    const prefix = this.keys.node('');
    const suffix = ':events';

    if (!channel.startsWith(prefix) || !channel.endsWith(suffix)) return null;

    return channel.slice(prefix.length, -suffix.length);
  }
}
