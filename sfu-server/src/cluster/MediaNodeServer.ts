import type { EventEmitter } from 'node:events';

import type { Redis } from 'ioredis';

import { MediaError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { MediaNode, PeerRef } from '../MediaNode.ts';
import type { ClusterKeys } from './keys.ts';
import type { MediaNodeMethod, RpcReply } from './protocol.ts';
import { errorToBody, MEDIA_NODE_EVENTS, parseRequest } from './protocol.ts';
import { connectRedis, disconnectRedis } from './redis.ts';

/**
 * Serves a media node to the signalling nodes over Redis.
 *
 * Why pub/sub, not lists or streams: a request is worth running only while its caller still waits
 * for the answer. Pub/sub delivers at most once and only to a node listening right now, and
 * PUBLISH says how many listened, so a call to a node that is gone fails at once instead of
 * queueing; a list or stream would keep the request and run it after the caller gave up (a
 * transport nobody will connect), or after the room had moved to another node. The price is that
 * a request published while the node's subscription is down is lost: the caller's timeout covers
 * that. Replies go to the caller's own channel; events to the node's event channel. Replies and
 * events leave over one connection, so a caller sees them in the order the node sent them.
 */
export class MediaNodeServer {
  readonly #node: MediaNode;
  readonly #nodeId: string;
  readonly #keys: ClusterKeys;
  readonly #log: Logger;
  readonly #subscriber: Redis;
  readonly #publisher: Redis;
  readonly #forwarders: [string, (payload: unknown) => void][] = [];
  #stopped = false;

  private constructor(
    node: MediaNode,
    nodeId: string,
    keys: ClusterKeys,
    connections: { subscriber: Redis; publisher: Redis },
    log: Logger,
  ) {
    this.#node = node;
    this.#nodeId = nodeId;
    this.#keys = keys;
    this.#subscriber = connections.subscriber;
    this.#publisher = connections.publisher;
    this.#log = log;
  }

  /** Starts answering requests to `nodeId` and publishing the node's events. */
  static async start(options: {
    node: MediaNode;
    nodeId: string;
    redisUrl: string;
    keys: ClusterKeys;
    log: Logger;
  }): Promise<MediaNodeServer> {
    const { node, nodeId, redisUrl, keys, log } = options;
    const publisher = await connectRedis(redisUrl, log, 'node-publisher');
    const subscriber = await connectRedis(redisUrl, log, 'node-subscriber').catch((error) => {
      disconnectRedis(publisher);
      throw error;
    });
    const server = new MediaNodeServer(node, nodeId, keys, { subscriber, publisher }, log);

    subscriber.on('message', (_channel: string, message: string) => server.#onRequest(message));
    await subscriber.subscribe(keys.requests(nodeId));
    server.#forwardEvents();

    return server;
  }

  /** Stops answering: callers then fail at once, as for a node that is gone. */
  stop(): void {
    if (this.#stopped) return;

    this.#stopped = true;
    const events = this.#node.events as EventEmitter;

    for (const [event, forward] of this.#forwarders) events.off(event, forward);
    disconnectRedis(this.#subscriber);
    disconnectRedis(this.#publisher);
  }

  #forwardEvents(): void {
    const channel = this.#keys.events(this.#nodeId);

    for (const event of MEDIA_NODE_EVENTS) {
      const forward = (payload: unknown) => {
        this.#publisher.publish(channel, JSON.stringify({ event, payload })).catch((error) => {
          // Redis is away; callers learn of lost media by the node's heartbeat or their requests.
          this.#log.debug({ err: error, event }, 'event not published');
        });
      };

      this.#node.events.on(event, forward);
      this.#forwarders.push([event, forward]);
    }
  }

  #onRequest(raw: string): void {
    const parsed = parseRequest(raw, this.#keys.replies(''));

    if (!parsed.ok) {
      // The reason names what was wrong with the envelope; never the request's content.
      this.#log.warn({ reason: parsed.reason }, 'refused a malformed media request');
      if (parsed.id !== undefined && parsed.replyTo !== undefined) {
        this.#reply(parsed.replyTo, {
          id: parsed.id,
          ok: false,
          error: errorToBody(new MediaError('invalid', `bad request: ${parsed.reason}`)),
        });
      }

      return;
    }

    const { id, replyTo, method, args, timeoutMs } = parsed.request;
    const run = this.#node[method] as (...a: unknown[]) => Promise<unknown>;
    const started = performance.now();

    Promise.resolve()
      .then(() => run.apply(this.#node, args))
      .then(
        (result) => {
          if (timeoutMs !== undefined && performance.now() - started > timeoutMs) {
            this.#undoLate(method, args[0] as PeerRef, result);
          }
          this.#reply(replyTo, { id, ok: true, result: result ?? null });
        },
        (error: unknown) => {
          if (!(error instanceof MediaError)) {
            this.#log.error({ err: error, method }, 'media request failed unexpectedly');
          }
          this.#reply(replyTo, { id, ok: false, error: errorToBody(error) });
        },
      );
  }

  /**
   * This node took longer than the caller waits, so the caller has given up and will never use
   * what the request made: a transport, a producer or a consumer is closed again at once, rather
   * than stay until its peer leaves. A room opened late stays: others may be using it. (Time spent
   * reaching this node is not counted, so a request that was late on the way is not caught.)
   */
  #undoLate(method: MediaNodeMethod, ref: PeerRef, result: unknown): void {
    const peer = { roomId: ref.roomId, peerId: ref.peerId };
    const made = result as { id?: string; producerId?: string; consumerId?: string };
    let undoing: Promise<void>;

    if (method === 'createWebRtcTransport' || method === 'createPlainTransport') {
      undoing = this.#node.closeTransport({ ...peer, transportId: made.id! });
    } else if (method === 'produce') {
      undoing = this.#node.closeProducer({ ...peer, producerId: made.producerId! });
    } else if (method === 'consume') {
      undoing = this.#node.closeConsumer({ ...peer, consumerId: made.consumerId! });
    } else {
      return;
    }
    this.#log.warn({ method }, 'answered after the caller gave up; closed what the request made');
    // Already gone with its peer, or its room: nothing left to close.
    undoing.catch(() => {});
  }

  #reply(replyTo: string, reply: RpcReply): void {
    if (this.#stopped) return;

    this.#publisher.publish(replyTo, JSON.stringify(reply)).catch((error) => {
      this.#log.debug({ err: error }, 'reply not published; the caller will time out');
    });
  }
}
