import type { MediaNodeOptions } from '../config.ts';
import { MediaConfigError } from '../errors.ts';
import { LocalMediaNode } from '../LocalMediaNode.ts';
import type { Logger } from '../logger.ts';
import { ClusterKeys } from './keys.ts';
import { MediaNodeServer } from './MediaNodeServer.ts';
import type { NodeLoad } from './registry.ts';
import { NodeRegistration } from './registry.ts';
import { connectRedis, disconnectRedis } from './redis.ts';

export interface StandaloneOptions {
  nodeId: string;
  redisUrl: string;
  keyPrefix?: string;
  media: MediaNodeOptions;
  log: Logger;
  heartbeatMs?: number;
  lapseMs?: number;
}

/**
 * A media node of a cluster: its workers, served over Redis and registered there. It listens for
 * requests before it registers, so that no signalling node places a room on it that it would not
 * hear of, and deregisters before it stops listening, so that its rooms move at once.
 */
export class StandaloneMediaNode {
  readonly nodeId: string;
  readonly media: LocalMediaNode;
  readonly #server: MediaNodeServer;
  readonly #registration: NodeRegistration;
  readonly #registry: { disconnect(): void };
  #stopping: Promise<void> | null = null;

  private constructor(parts: {
    nodeId: string;
    media: LocalMediaNode;
    server: MediaNodeServer;
    registration: NodeRegistration;
    registry: { disconnect(): void };
  }) {
    this.nodeId = parts.nodeId;
    this.media = parts.media;
    this.#server = parts.server;
    this.#registration = parts.registration;
    this.#registry = parts.registry;
  }

  static async start(options: StandaloneOptions): Promise<StandaloneMediaNode> {
    const { nodeId, redisUrl, log } = options;
    const keys = new ClusterKeys(options.keyPrefix);

    await refuseTwin(redisUrl, keys, nodeId, log);

    const media = await LocalMediaNode.create(options.media, log);
    const cleanup: (() => void)[] = [() => void media.close()];

    try {
      const server = await MediaNodeServer.start({ node: media, nodeId, redisUrl, keys, log });

      cleanup.push(() => server.stop());

      const redis = await connectRedis(redisUrl, log, 'node-registry');

      cleanup.push(() => disconnectRedis(redis));

      const cpu = new CpuMeter(media);
      const registration = new NodeRegistration({
        redis,
        keys,
        nodeId,
        address: options.media.announcedIp ?? options.media.listenIp ?? '127.0.0.1',
        log,
        heartbeatMs: options.heartbeatMs,
        lapseMs: options.lapseMs,
        load: async (): Promise<NodeLoad> => {
          const stats = await media.stats();

          return {
            workers: stats.workers,
            rooms: stats.rooms,
            transports: stats.transports,
            producers: stats.producers,
            consumers: stats.consumers,
            cpu: await cpu.read(),
          };
        },
        roomIds: () => media.roomIds(),
        onEvicted: async () => {
          for (const roomId of media.roomIds()) await media.closeRoom(roomId);
        },
        onPlacementLost: (roomId) => media.closeRoom(roomId),
      });

      await registration.start();
      log.info({ nodeId }, 'media node registered');

      return new StandaloneMediaNode({ nodeId, media, server, registration, registry: redis });
    } catch (error) {
      for (const undo of cleanup.reverse()) undo();
      throw error;
    }
  }

  /** Stops renewing the registration as a hung node would, while still answering: for tests. */
  pauseHeartbeat(): void {
    this.#registration.pause();
  }

  /** Renews the registration again; a node the cluster gave up on meanwhile drops its rooms. */
  resumeHeartbeat(): void {
    this.#registration.resume();
  }

  /** Deregisters, stops answering and closes the workers. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#registration.stop().catch(() => {});
      this.#server.stop();
      this.#registry.disconnect();
      await this.media.close();
    })();

    return this.#stopping;
  }
}

/** The share of its workers' CPU a node used between two readings. */
class CpuMeter {
  readonly #media: LocalMediaNode;
  #last: { at: number; cpuSeconds: Map<number, number> } | null = null;

  constructor(media: LocalMediaNode) {
    this.#media = media;
  }

  async read(): Promise<number> {
    const usage = await this.#media.workerUsage();
    const now = performance.now();
    const previous = this.#last;

    this.#last = { at: now, cpuSeconds: new Map(usage.map((w) => [w.pid, w.cpuSeconds])) };
    if (!previous || usage.length === 0) return 0;

    const elapsed = (now - previous.at) / 1000;
    // A worker that replaced a dead one counts from zero.
    const used = usage.reduce(
      (sum, w) => sum + w.cpuSeconds - (previous.cpuSeconds.get(w.pid) ?? 0),
      0,
    );

    return elapsed > 0 ? Math.min(1, Math.max(0, used / (elapsed * usage.length))) : 0;
  }
}

/**
 * Two live processes under one id would both run every request and take turns at its
 * registration. A process that died has no subscription left, so a restart under the same id is
 * not refused.
 */
async function refuseTwin(
  redisUrl: string,
  keys: ClusterKeys,
  nodeId: string,
  log: Logger,
): Promise<void> {
  const redis = await connectRedis(redisUrl, log, 'start-check');

  try {
    const [, listeners] = (await redis.pubsub('NUMSUB', keys.requests(nodeId))) as [string, number];

    if (Number(listeners) > 0) {
      throw new MediaConfigError(
        'MEDIA_NODE_ID',
        `another media node is running as "${nodeId}"; give each node an id of its own`,
      );
    }
  } finally {
    disconnectRedis(redis);
  }
}
