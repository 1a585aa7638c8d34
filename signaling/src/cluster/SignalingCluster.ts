import { randomUUID } from 'node:crypto';

import { createAdapter } from '@socket.io/redis-streams-adapter';
import { Redis } from 'ioredis';
import type { RedisOptions } from 'ioredis';

import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import { RedisLobbies } from './RedisLobbies.ts';
import { RedisRoster } from './RedisRoster.ts';

/** Where a connection's participant is, as a recovered session keeps it (see storableSession). */
export interface PeerRef {
  meetingId: string;
  peerId: string;
}

type AdapterFactory = ReturnType<typeof createAdapter>;

/**
 * This signalling node's part in a cluster: Socket.io rooms and recoverable sessions shared through
 * Redis streams (@socket.io/redis-streams-adapter), and the roster of shared meetings.
 */
export interface SignalingCluster {
  nodeId: string;
  roster: RedisRoster;
  /** The waiting rooms of shared meetings. */
  lobbies: RedisLobbies;
  adapter: AdapterFactory;
  /** Whether Redis answers on every connection this node uses. */
  readonly isRedisReady: boolean;
  /** Resolves once what the adapter sent before (sessions kept for recovery) has reached Redis. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Quick at first, then every second: Redis coming back is noticed within about a second. */
const retryStrategy = (attempt: number) => Math.min(50 * 2 ** attempt, 1_000);

/**
 * Connects to Redis for a signalling cluster. Roster commands fail at once while Redis is away (a
 * join then fails clearly instead of hanging); the adapter's connection queues its messages and
 * sends them when Redis is back. ioredis reconnects all of them by itself.
 */
export async function connectSignalingCluster(options: {
  redisUrl: string;
  keyPrefix: string;
  nodeId?: string;
  log: Logger;
  graceMs: number;
  heartbeatMs?: number;
}): Promise<SignalingCluster> {
  const { redisUrl, keyPrefix, log } = options;
  const nodeId = options.nodeId ?? randomUUID();
  const connections: Redis[] = [];
  const open = async (name: string, extra: RedisOptions): Promise<Redis> => {
    const redis = new Redis(redisUrl, {
      lazyConnect: true,
      connectionName: `teamrom-signal-${name}`,
      retryStrategy,
      ...extra,
    });
    let isDown = false;

    connections.push(redis);
    redis.on('error', (error: Error) => {
      if (isDown) return;

      isDown = true;
      log.warn({ connection: name, err: error }, 'Redis connection lost; reconnecting');
    });
    redis.on('ready', () => {
      if (!isDown) return;

      isDown = false;
      log.info({ connection: name }, 'Redis connection back');
    });
    await redis.connect();

    return redis;
  };

  try {
    // A Redis that accepts the connection and stops answering fails a join's roster write after
    // two seconds instead of holding it.
    const commands = await open('roster', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 2_000,
    });
    const subscriber = await open('roster-sub', {});
    // Queued while Redis is briefly away, but given up after one failed reconnection: a message
    // to a client of this node waits for Redis (for its offset) and is delivered without it then.
    const adapterRedis = await open('adapter', { maxRetriesPerRequest: 1 });
    const roster = new RedisRoster({
      redis: commands,
      subscriber,
      keyPrefix,
      nodeId,
      log: log.child({ component: 'cluster' }),
      graceMs: options.graceMs,
      heartbeatMs: options.heartbeatMs,
    });

    await roster.start();

    const lobbies = new RedisLobbies({
      redis: commands,
      keyPrefix,
      nodeId,
      log: log.child({ component: 'cluster' }),
      heartbeatMs: options.heartbeatMs,
    });

    lobbies.start();
    roster.events.on('republish', () => lobbies.onRepublish());

    const adapter = withStorableSessions(
      createAdapter(adapterRedis, {
        streamName: `${keyPrefix}socket.io`,
        sessionKeyPrefix: `${keyPrefix}sio:session:`,
        // A short wait per read: closing the server does not hang on a blocked read for long.
        blockTimeInMs: 1_000,
      }),
    );

    log.info({ nodeId }, 'signalling node joined the cluster');

    return {
      nodeId,
      roster,
      lobbies,
      adapter,
      get isRedisReady() {
        return connections.every((c) => c.status === 'ready');
      },
      async flush() {
        // Commands on one connection are answered in order: the PING comes back after the rest.
        await adapterRedis.ping();
      },
      async close() {
        await lobbies.close();
        await roster.close();
        for (const connection of connections) connection.disconnect(false);
      },
    };
  } catch (error) {
    for (const connection of connections) connection.disconnect(false);
    // The URL may hold a password; the reason is ioredis's own.
    throw new AppError(
      'capacity',
      `Redis cannot be reached at REDIS_URL: ${error instanceof Error ? error.message : 'unknown'}`,
    );
  }
}

/** The response type of socket.io-adapter's cluster protocol that carries other nodes' sockets. */
const FETCH_SOCKETS_RESPONSE = 8;

/**
 * A connection's data as it may leave this process: to Redis, in a session kept while its client
 * is away (to be recovered on any node), or to another node that asked for the sockets of a room
 * (`fetchSockets`). A Peer object cannot travel (it holds Maps, a logger, a socket) nor would it
 * mean anything elsewhere, so only a reference to it goes; the node that recovers a session finds
 * or takes over the participant by it. MessagePack turns an absent claim (undefined) into null,
 * which would no longer compare equal to the absent claim of the token the client presents again:
 * absent claims are left out.
 */
export function storableData(data: unknown): unknown {
  if (!data || typeof data !== 'object') return data;

  const { peer, token, ...rest } = data as {
    peer?: { id: string; meeting: { id: string } } | PeerRef | null;
    token?: Record<string, unknown>;
  };
  const ref: PeerRef | null | undefined =
    peer && 'meeting' in peer ? { meetingId: peer.meeting.id, peerId: peer.id } : peer;

  return {
    ...rest,
    ...(token && {
      token: Object.fromEntries(Object.entries(token).filter(([, v]) => v !== undefined)),
    }),
    peer: ref ?? null,
    isJoining: false,
  };
}

/** Connection data leaves this process only as storableData. */
function withStorableSessions(factory: AdapterFactory): AdapterFactory {
  // Socket.io calls the factory with `new`: a function, not an arrow, and it returns the adapter.
  return function storableSessions(nsp) {
    const adapter = factory(nsp);
    const persist = adapter.persistSession.bind(adapter);
    // Protected in ClusterAdapter: the one place where the sockets of this node go to another.
    const responder = adapter as unknown as {
      publishResponse(requesterUid: string, response: { type: number; data: unknown }): unknown;
    };
    const respond = responder.publishResponse.bind(adapter);

    adapter.persistSession = (session) => persist({ ...session, data: storableData(session.data) });
    responder.publishResponse = (requesterUid, response) => {
      if (response.type !== FETCH_SOCKETS_RESPONSE) return respond(requesterUid, response);

      const data = response.data as { sockets: { data: unknown }[] };

      return respond(requesterUid, {
        ...response,
        data: { ...data, sockets: data.sockets.map((s) => ({ ...s, data: storableData(s.data) })) },
      });
    };

    return adapter;
  };
}
