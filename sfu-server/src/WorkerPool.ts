import { EventEmitter } from 'node:events';
import os from 'node:os';

import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';

import { MediaError } from './errors.ts';
import type { Logger } from './logger.ts';

export interface WorkerPoolOptions {
  numWorkers: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel: types.WorkerLogLevel;
}

/** How often a dead worker's replacement is tried before the pool carries on smaller. */
const REPLACE_ATTEMPTS = 5;

interface WorkerPoolEvents {
  /** A worker died; rooms that lived on it have lost their media. */
  workerdied: [worker: types.Worker];
}

/**
 * Owns the mediasoup workers of one media node. Rooms are placed on the worker that carries the
 * fewest routers; a worker that dies is replaced so that new rooms keep finding a home.
 */
export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #log: Logger;
  readonly #workers = new Set<types.Worker>();
  readonly #routerCount = new Map<types.Worker, number>();
  /** Replacements of dead workers under way; a pool left empty waits for them. */
  readonly #replacing = new Set<Promise<void>>();
  #closed = false;

  private constructor(options: WorkerPoolOptions, log: Logger) {
    super();
    this.#options = options;
    this.#log = log;
  }

  static async start(options: Partial<WorkerPoolOptions>, log: Logger): Promise<WorkerPool> {
    const pool = new WorkerPool(
      {
        numWorkers: options.numWorkers ?? os.availableParallelism(),
        rtcMinPort: options.rtcMinPort ?? 40000,
        rtcMaxPort: options.rtcMaxPort ?? 49999,
        logLevel: options.logLevel ?? 'warn',
      },
      log,
    );
    const spawns = Array.from({ length: pool.#options.numWorkers }, () => pool.#spawn());

    await Promise.all(spawns);

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

    let best: types.Worker | undefined;

    for (const worker of this.#workers) {
      if (!best || (this.#routerCount.get(worker) ?? 0) < (this.#routerCount.get(best) ?? 0)) {
        best = worker;
      }
    }

    if (!best) throw new MediaError('capacity', 'no media worker is available');

    return best;
  }

  async createRouter(mediaCodecs: types.RtpCodecCapability[]): Promise<types.Router> {
    const worker = await this.leastLoaded();
    const router = await worker.createRouter({ mediaCodecs, appData: { workerPid: worker.pid } });

    this.#routerCount.set(worker, (this.#routerCount.get(worker) ?? 0) + 1);
    router.observer.once('close', () => {
      const count = this.#routerCount.get(worker);

      if (count !== undefined) this.#routerCount.set(worker, count - 1);
    });

    return router;
  }

  /** CPU time each live worker has used, from the kernel's resource usage of its process. */
  async usage(): Promise<{ pid: number; cpuSeconds: number }[]> {
    const workers = [...this.#workers];
    const usage = await Promise.all(workers.map((w) => w.getResourceUsage().catch(() => null)));

    return workers.flatMap((worker, i) => {
      const u = usage[i];

      return u ? [{ pid: worker.pid, cpuSeconds: (u.ru_utime + u.ru_stime) / 1000 }] : [];
    });
  }

  pids(): number[] {
    return [...this.#workers].map((w) => w.pid);
  }

  close(): void {
    if (this.#closed) return;

    this.#closed = true;
    for (const worker of this.#workers) worker.close();
    this.#workers.clear();
    this.#routerCount.clear();
  }

  async #spawn(): Promise<void> {
    const worker = await mediasoup.createWorker({
      logLevel: this.#options.logLevel,
      rtcMinPort: this.#options.rtcMinPort,
      rtcMaxPort: this.#options.rtcMaxPort,
    });

    if (this.#closed) {
      worker.close();

      return;
    }

    this.#workers.add(worker);
    this.#routerCount.set(worker, 0);
    this.#log.info({ workerPid: worker.pid }, 'mediasoup worker started');

    worker.on('died', (error) => {
      this.#workers.delete(worker);
      this.#routerCount.delete(worker);
      this.#log.error({ workerPid: worker.pid, err: error }, 'mediasoup worker died');
      this.emit('workerdied', worker);

      if (this.#closed) return;

      const replacement = this.#replace().finally(() => this.#replacing.delete(replacement));

      this.#replacing.add(replacement);
    });
  }

  /** Starts a replacement worker, trying again with growing pauses; never rejects. */
  async #replace(): Promise<void> {
    for (let attempt = 1; attempt <= REPLACE_ATTEMPTS && !this.#closed; attempt++) {
      try {
        await this.#spawn();

        return;
      } catch (error) {
        this.#log.error({ err: error, attempt }, 'could not replace a dead mediasoup worker');
        await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
      }
    }
  }
}
