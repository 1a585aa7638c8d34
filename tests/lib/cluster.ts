import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import type { TestRedis } from '../../sfu-server/src/testing/redis.ts';
import { startRedis } from '../../sfu-server/src/testing/redis.ts';
import { startPostgres } from '../../signaling/src/testing/postgres.ts';
import type { TestPostgres } from '../../signaling/src/testing/postgres.ts';
import { freePort } from '../../signaling/src/testing/ports.ts';
import type { DemoLink } from './teamrom.ts';
import { REPO_ROOT } from './teamrom.ts';

export type SignallingName = 'a' | 'b';
export type MediaName = 'media-1' | 'media-2';

export interface ClusterProcess {
  /** Its stdout (JSON log lines); its stderr goes to `<name>.console` beside it. */
  logFile: string;
  /** The pid while it runs, else null. */
  pid(): number | null;
}

export interface SignallingNode extends ClusterProcess {
  /** The node itself, bypassing nginx (for /metrics and /readyz). */
  url: string;
  port: number;
}

export interface TeamromCluster {
  /** nginx, in front of both signalling nodes: what browsers open. */
  url: string;
  dir: string;
  redis: TestRedis;
  /** The database both signalling nodes share. */
  databaseUrl: string;
  /** The secret both signalling nodes sign and check tokens with. */
  jwtSecret: string;
  signalling: Record<SignallingName, SignallingNode>;
  media: Record<MediaName, ClusterProcess>;
  nginx: ClusterProcess;
  demoLinks(): Promise<DemoLink[]>;
  /** The media node a meeting's room lives on, as recorded in Redis; null when none. */
  mediaNodeOf(meetingId: string): Promise<string | null>;
  /** Kills a process (SIGKILL by default: a crash) and waits until it is gone. */
  kill(node: SignallingName | MediaName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped node again, and waits until it serves (healthz, or registered in Redis). */
  start(node: SignallingName | MediaName): Promise<void>;
  /** Kills Redis as a crash would and starts it again, empty, on the same port. */
  restartRedis(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

const NGINX = '/usr/sbin/nginx';
const REDIS_CLI = '/usr/bin/redis-cli';
const KEY_PREFIX = 'teamrom:';

/**
 * The local cluster of infra/cluster/start.sh, for tests: a throwaway Redis and PostgreSQL, two
 * media nodes and two signalling nodes (MEDIA_MODE=cluster, one database, one token secret) on
 * free loopback ports, and nginx from Debian's package rendered from the same template
 * (infra/cluster/nginx.conf.template), whose `teamrom_node` cookie pins a browser to node a or b.
 * Every process is a child of this one and is stopped by stop().
 */
export async function startCluster(
  options: {
    /** Environment for both signalling nodes, on top of the cluster's own. */
    signallingEnv?: Record<string, string>;
    mediaEnv?: Record<string, string>;
  } = {},
): Promise<TeamromCluster> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-cluster-'));
  const children = new Map<string, { child: ChildProcess; exited: Promise<unknown> }>();
  const launchers = new Map<string, () => Promise<void>>();
  let redis: TestRedis | undefined;
  let postgres: TestPostgres | undefined;

  const spawnLogged = (name: string, command: string, args: string[], env: NodeJS.ProcessEnv) => {
    const log = createWriteStream(path.join(dir, `${name}.log`), { flags: 'a' });
    // What a node prints for people (a signalling node's banner holds the demo links), apart from
    // its JSON log lines.
    const consoleOut = createWriteStream(path.join(dir, `${name}.console`), { flags: 'a' });
    // A process group of its own, so that a kill takes a media node's mediasoup workers with it,
    // as the death of its host would.
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });

    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(consoleOut, { end: false });

    const exited = once(child, 'exit')
      .catch(() => undefined)
      .finally(() => {
        log.end();
        consoleOut.end();
      });

    children.set(name, { child, exited });

    return exited;
  };
  const processOf = (name: string): ClusterProcess => ({
    logFile: path.join(dir, `${name}.log`),
    pid() {
      const running = children.get(name)?.child;

      return running && running.exitCode === null && running.signalCode === null
        ? (running.pid ?? null)
        : null;
    },
  });
  const killChild = async (name: string, signal: NodeJS.Signals) => {
    const running = children.get(name);

    if (!running || running.child.exitCode !== null || running.child.signalCode !== null) return;

    const timer = setTimeout(() => killGroup(running.child, 'SIGKILL'), 10_000);

    // SIGTERM and SIGQUIT to the process alone (it stops its workers itself); SIGKILL to the group.
    if (signal === 'SIGKILL') killGroup(running.child, signal);
    else running.child.kill(signal);
    await running.exited;
    clearTimeout(timer);
    // Whatever of the group outlived it (a worker that had not noticed yet).
    killGroup(running.child, 'SIGKILL');
  };
  // A test run that ends without stop() must not leave nodes behind.
  const killOnExit = () => {
    for (const { child } of children.values()) killGroup(child, 'SIGKILL');
  };

  process.on('exit', killOnExit);

  const stopAll = async () => {
    process.off('exit', killOnExit);
    // The load balancer first, then signalling, then media: as an operator would.
    for (const name of ['nginx', 'signalling-a', 'signalling-b', 'media-1', 'media-2']) {
      await killChild(name, name === 'nginx' ? 'SIGQUIT' : 'SIGTERM');
    }
    await postgres?.stop();
    await redis?.stop();
    if (!process.env.KEEP_TEST_DATA) await rm(dir, { recursive: true, force: true });
  };

  try {
    redis = await startRedis({ ownServer: true });
    postgres = await startPostgres();

    const redisPort = Number(new URL(redis.url).port);
    const [lbPort, portA, portB] = [await freePort(), await freePort(), await freePort()];
    const url = `http://127.0.0.1:${lbPort}`;
    const jwtSecret = randomBytes(32).toString('hex');
    // RTC ranges below the kernel's ephemeral ports; each WebRtcServer port is a free one above.
    const rtcBase = 20_000 + Math.floor(Math.random() * 90) * 100;

    for (const [i, name] of (['media-1', 'media-2'] as const).entries()) {
      const webRtcPort = await freePort();
      const env = {
        ...process.env,
        REDIS_URL: redis.url,
        MEDIA_NODE_ID: name,
        MEDIASOUP_WORKERS: '1',
        RTC_MIN_PORT: String(rtcBase + i * 50),
        RTC_MAX_PORT: String(rtcBase + i * 50 + 49),
        MEDIASOUP_WEBRTC_PORT: String(webRtcPort),
        ...options.mediaEnv,
      };

      launchers.set(name, async () => {
        const exited = spawnLogged(
          name,
          process.execPath,
          ['--import', 'tsx', path.join(REPO_ROOT, 'sfu-server', 'src', 'main.ts')],
          env,
        );

        await waitUntil(`media node ${name}`, exited, async () =>
          Boolean(
            await redisCli(redisPort, ['exists', `${KEY_PREFIX}media:node:${name}`]).then(
              (out) => out.trim() === '1',
            ),
          ),
        );
      });
    }

    for (const [name, port] of [
      ['a', portA],
      ['b', portB],
    ] as const) {
      const dataDir = path.join(dir, `signalling-${name}`);
      const env = {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        DATABASE_URL: postgres.url,
        JWT_SECRET: jwtSecret,
        MEDIA_MODE: 'cluster',
        NODE_ID: `signalling-${name}`,
        REDIS_URL: redis.url,
        PUBLIC_URL: url,
        WAITING_ROOM: 'off',
        ...options.signallingEnv,
      };

      launchers.set(name, async () => {
        await mkdir(dataDir, { recursive: true });

        const exited = spawnLogged(
          `signalling-${name}`,
          process.execPath,
          ['--import', 'tsx', path.join(REPO_ROOT, 'signaling', 'src', 'main.ts')],
          env,
        );

        await waitUntil(`signalling node ${name}`, exited, async () => {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);

          return res?.ok ?? false;
        });
      });
    }

    await Promise.all([launchers.get('media-1')!(), launchers.get('media-2')!()]);
    // One after the other: the first migrates the database and seeds the demo.
    await launchers.get('a')!();
    await launchers.get('b')!();

    const template = await readFile(
      path.join(REPO_ROOT, 'infra', 'cluster', 'nginx.conf.template'),
      'utf8',
    );
    const nginxConf = path.join(dir, 'nginx.conf');

    await mkdir(path.join(dir, 'nginx-tmp'));
    await writeFile(
      nginxConf,
      template
        .replaceAll('@STATE_DIR@', dir)
        .replaceAll('@LISTEN@', `127.0.0.1:${lbPort}`)
        .replaceAll('@NODE_A@', `127.0.0.1:${portA}`)
        .replaceAll('@NODE_B@', `127.0.0.1:${portB}`)
        .replaceAll('@PORT_A@', String(portA))
        .replaceAll('@PORT_B@', String(portB)),
    );

    const nginxExited = spawnLogged(
      'nginx',
      NGINX,
      ['-e', path.join(dir, 'nginx-error.log'), '-c', nginxConf, '-g', 'daemon off;'],
      process.env,
    );

    await waitUntil('nginx', nginxExited, async () => {
      const res = await fetch(`${url}/healthz`).catch(() => null);

      return res?.ok ?? false;
    });

    const nodeNames = { a: 'signalling-a', b: 'signalling-b' } as const;
    const processName = (node: SignallingName | MediaName) =>
      node === 'a' || node === 'b' ? nodeNames[node] : node;

    return {
      url,
      dir,
      redis,
      databaseUrl: postgres.url,
      jwtSecret,
      signalling: {
        a: { ...processOf('signalling-a'), url: `http://127.0.0.1:${portA}`, port: portA },
        b: { ...processOf('signalling-b'), url: `http://127.0.0.1:${portB}`, port: portB },
      },
      media: { 'media-1': processOf('media-1'), 'media-2': processOf('media-2') },
      nginx: processOf('nginx'),
      async demoLinks() {
        const res = await fetch(`${url}/api/demo/links`);

        if (!res.ok) throw new Error(`demo links: HTTP ${res.status}`);

        return (await res.json()) as DemoLink[];
      },
      async mediaNodeOf(meetingId) {
        const out = (await redisCli(redisPort, ['get', `${KEY_PREFIX}media:room:${meetingId}`]))
          .trim()
          .replace(/^"|"$/g, '');

        return out === '' ? null : out;
      },
      async kill(node, signal = 'SIGKILL') {
        await killChild(processName(node), signal);
      },
      async start(node) {
        await launchers.get(node)!();
      },
      async restartRedis(restartOptions) {
        await redis!.restart(restartOptions);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
}

/** Signals a child's whole process group; nothing when the group is gone. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // Every process of the group has exited already.
  }
}

function redisCli(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      REDIS_CLI,
      ['-h', '127.0.0.1', '-p', String(port), '--raw', ...args],
      { timeout: 5000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
}

async function waitUntil(
  what: string,
  exited: Promise<unknown>,
  isReady: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  let hasExited = false;

  void exited.then(() => (hasExited = true));

  while (Date.now() < deadline) {
    if (hasExited) throw new Error(`${what} exited while starting`);
    if (await isReady().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  throw new Error(`${what} did not come up within 60 s`);
}
