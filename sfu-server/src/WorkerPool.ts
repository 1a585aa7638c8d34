import { EventEmitter } from 'node:events';
import os from 'node:os';

import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';

import { MediaConfigError, MediaError } from './errors.ts';
import type { Logger } from './logger.ts';

export interface WorkerPoolOptions {
  numWorkers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel: types.WorkerLogLevel;
  /** Give each worker a WebRtcServer listening so; null leaves each transport its own ports. */
  webRtcServer: WebRtcServerSettings | null;
}

export interface WebRtcServerSettings {
  listenIp: string;
  announcedIp: string | undefined;
  /** Worker number i (from 0) listens on port + i, UDP and TCP; undefined takes one from the range. */
  port: number | undefined;
}

/** A router and the WebRtcServer of its worker, if the pool gives workers one. */
export interface PlacedRouter {
  router: types.Router;
  webRtcServer: types.WebRtcServer | undefined;
  workerPid: number;
}

/** How often a dead worker's replacement is tried before the pool carries on smaller. */
const REPLACE_ATTEMPTS = 5;

interface WorkerPoolEvents {
  /** A worker died; rooms that lived on it have lost their media. */
  workerdied: [worker: types.Worker];
}

interface PooledWorker {
  /** Its place in the pool, kept by its replacement, so that both listen on the same port. */
  slot: number;
  routers: number;
  webRtcServer: types.WebRtcServer | undefined;
}

/**
 * Owns the mediasoup workers of one media node, and each worker's WebRtcServer. Rooms are placed on
 * the worker that carries the fewest routers; a worker that dies is replaced so that new rooms keep
 * finding a home.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #log: Logger;
  readonly #workers = new Map<types.Worker, PooledWorker>();
  /** Replacements of dead workers under way; a pool left empty waits for them. */
  readonly #replacing = new Set<Promise<void>>();
  #closed = false;

  private constructor(options: WorkerPoolOptions, log: Logger) {
    super();
    this.#options = options;
    this.#log = log;
  }

  /** Starts every worker, or none: when one cannot start, those that did are closed again. */
  static async start(options: Partial<WorkerPoolOptions>, log: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(
      {
        numWorkers: options.numWorkers ?? os.availableParallelism(),
        rtcMinPort: options.rtcMinPort ?? 40000,
        rtcMaxPort: options.rtcMaxPort ?? 49999,
        logLevel: options.logLevel ?? 'warn',
        webRtcServer: options.webRtcServer ?? null,
      },
      log,
    );
    const slots = Array.from({ length: pool.#options.numWorkers }, (_, slot) => slot);
    const started = await Promise.allSettled(slots.map((slot) => pool.#spawn(slot)));
    const failed = started.find((result) => result.status === 'rejected');

    if (failed) {
      pool.close();
      throw failed.reason;
    }

    return pool;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#workers.size;
  }

  /** The live worker with the fewest routers, waiting for a replacement when none is live. */
  async leastLoaded(): Promise<types.Worker> {
    if (this.#workers.size === 0 && this.#replacing.size > 0) {
      await Promise.race(this.#replacing);
    }

    let best: [types.Worker, PooledWorker] | undefined;

    for (const entry of this.#workers) {
      if (!best || entry[1].routers < best[1].routers) best = entry;
    }

    if (!best) throw new MediaError('capacity', 'no media worker is available');

    return best[0];
  }

  /** A router on the least-loaded worker, or on the worker with process id `onPid`. */
  async createRouter(
    mediaCodecs: types.RtpCodecCapability[],
    onPid?: number,
  ): Promise<PlacedRouter> {
    const worker =
      onPid === undefined
        ? await this.leastLoaded()
        : [...this.#workers.keys()].find((w) => w.pid === onPid);

    if (!worker) throw new MediaError('capacity', 'the media worker went away');

    const router = await worker.createRouter({ mediaCodecs, appData: { workerPid: worker.pid } });
    const pooled = this.#workers.get(worker);

    // The worker died while the router was being created; its death closed the router too.
    if (!pooled) throw new MediaError('capacity', 'the media worker went away');

    pooled.routers++;
    router.observer.once('close', () => pooled.routers--);

    return { router, webRtcServer: pooled.webRtcServer, workerPid: worker.pid };
  }

  /** CPU time each live worker has used, from the kernel's resource usage of its process. */
  async usage(): Promise<{ pid: number; cpuSeconds: number }[]> {
    const workers = [...this.#workers.keys()];
    const usage = await Promise.all(workers.map((w) => w.getResourceUsage().catch(() => null)));

    return workers.flatMap((worker, i) => {
      const u = usage[i];

      return u ? [{ pid: worker.pid, cpuSeconds: (u.ru_utime + u.ru_stime) / 1000 }] : [];
    });
  }

  pids(): number[] {
    return [...this.#workers.keys()].map((w) => w.pid);
  }

  close(): void {
    if (this.#closed) return;

    this.#closed = true;
    // NOTE: a WebRtcServer is never closed on its own: mediasoup 3.12's worker crashes when one
    // closes while transports still use it (fixed upstream in 3.14). It goes with its worker.
    for (const worker of this.#workers.keys()) worker.close();
    this.#workers.clear();
  }

  async #spawn(slot: number): Promise<void> {
    const worker = await mediasoup.createWorker({
      logLevel: this.#options.logLevel,
      rtcMinPort: this.#options.rtcMinPort,
      rtcMaxPort: this.#options.rtcMaxPort,
    });
    let webRtcServer: types.WebRtcServer | undefined;
    let ports: { udp?: number; tcp?: number } = {};

    try {
      if (this.#options.webRtcServer) {
        webRtcServer = await this.#createWebRtcServer(worker, slot, this.#options.webRtcServer);
        ports = await listeningPorts(webRtcServer);
      }
    } catch (error) {
      worker.close();
      throw error;
    }

    if (this.#closed) {
      worker.close();

      return;
    }

    this.#workers.set(worker, { slot, routers: 0, webRtcServer });
    this.#log.info({ workerPid: worker.pid, slot, ...ports }, 'mediasoup worker started');

    worker.on('died', (error) => {
      this.#workers.delete(worker);
      this.#log.error({ workerPid: worker.pid, err: error }, 'mediasoup worker died');
      this.emit('workerdied', worker);

      if (this.#closed) return;

      const replacement = this.#replace(slot).finally(() => this.#replacing.delete(replacement));

      this.#replacing.add(replacement);
    });
  }

  /** One UDP and one TCP port that every WebRTC transport of the worker shares. */
  async #createWebRtcServer(
    worker: types.Worker,
    slot: number,
    settings: WebRtcServerSettings,
  ): Promise<types.WebRtcServer> {
    const port = settings.port === undefined ? undefined : settings.port + slot;
    const listen = { ip: settings.listenIp, announcedIp: settings.announcedIp, port };

    try {
      return await worker.createWebRtcServer({
        listenInfos: [
          { protocol: 'udp', ...listen },
          { protocol: 'tcp', ...listen },
        ],
        appData: { slot },
      });
    } catch (error) {
      throw listenFailure(error, settings.listenIp, port);
    }
  }

  /** Starts a replacement worker in the dead one's slot, trying again with growing pauses. */
  async #replace(slot: number): Promise<void> {
    for (let attempt = 1; attempt <= REPLACE_ATTEMPTS && !this.#closed; attempt++) {
      try {
        await this.#spawn(slot);

        return;
      } catch (error) {
        this.#log.error({ err: error, attempt }, 'could not replace a dead mediasoup worker');
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }
}

/** The ports a WebRtcServer got, for the start-up log; an operator opens them in the firewall. */
async function listeningPorts(server: types.WebRtcServer): Promise<{ udp?: number; tcp?: number }> {
  const dump: { udpSockets?: { port: number }[]; tcpServers?: { port: number }[] } =
    await server.dump();

  return { udp: dump.udpSockets?.[0]?.port, tcp: dump.tcpServers?.[0]?.port };
}

/** Says which setting to correct when a WebRtcServer cannot listen. */
function listenFailure(error: unknown, ip: string, port: number | undefined): Error {
  const message = error instanceof Error ? error.message : String(error);

  if (/address not available|invalid IP/i.test(message)) {
    return new MediaConfigError('MEDIASOUP_LISTEN_IP', `media cannot listen on ${ip}`);
  }
  if (port !== undefined && /address already in use|permission denied/i.test(message)) {
    const why = /in use/i.test(message) ? 'another program uses it' : 'it is not allowed';

    return new MediaConfigError(
      'MEDIASOUP_WEBRTC_PORT',
      `media cannot listen on port ${port} of ${ip}: ${why}. Each worker takes its own UDP and ` +
        'TCP port, counting up from MEDIASOUP_WEBRTC_PORT',
    );
  }
  if (/no more available ports/i.test(message)) {
    return new MediaConfigError('RTC_MIN_PORT', 'no free port in RTC_MIN_PORT..RTC_MAX_PORT');
  }

  return error instanceof Error ? error : new Error(message);
}
