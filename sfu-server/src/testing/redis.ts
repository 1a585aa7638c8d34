import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface TestRedis {
  url: string;
  /** A key prefix of its own, so that tests sharing a server do not see each other. */
  prefix(): string;
  /** Kills the server (as a crash would) and starts it again, empty, on the same port. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Kills the server, leaving it down until restart(); for tests of an outage. */
  kill(): Promise<void>;
  /** Stops the server's process (SIGSTOP): connections stay open and nothing is answered. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

const REDIS_SERVER = '/usr/bin/redis-server';
let prefixes = 0;

/**
 * A throwaway Redis from Debian's `redis-server` package on a free port of 127.0.0.1, without
 * persistence, in a temporary directory removed by stop(). With TEST_REDIS_URL, that server is
 * used instead, except by tests that must restart it (`ownServer`).
 */
export async function startRedis(options: { ownServer?: boolean } = {}): Promise<TestRedis> {
  const external = process.env.TEST_REDIS_URL;
  const prefix = () => `test${process.pid}-${++prefixes}:`;

  if (external && !options.ownServer) {
    const refuse = () => Promise.reject(new Error('cannot restart the TEST_REDIS_URL server'));

    const cannot = () => {
      throw new Error('cannot pause the TEST_REDIS_URL server');
    };

    return {
      url: external,
      prefix,
      restart: refuse,
      kill: refuse,
      pause: cannot,
      resume: cannot,
      stop: async () => {},
    };
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-redis-'));
  const port = await freePort();
  let server: ChildProcess | null = await launch(port, dir);
  const killServer = async () => {
    const running = server;

    server = null;
    if (!running || running.exitCode !== null) return;

    const exited = once(running, 'exit');

    running.kill('SIGKILL');
    await exited;
  };
  // A test run that ends without stop() must not leave a server behind.
  const killOnExit = () => server?.kill('SIGKILL');

  process.on('exit', killOnExit);

  return {
    url: `redis://127.0.0.1:${port}`,
    prefix,
    kill: killServer,
    pause: () => server?.kill('SIGSTOP'),
    resume: () => server?.kill('SIGCONT'),
    async restart({ downMs = 0 } = {}) {
      await killServer();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      server = await launch(port, dir);
    },
    async stop() {
      process.off('exit', killOnExit);
      await killServer();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';

  child.stdout?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));

  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `redis-server could not run (${error.message}): install Debian's redis-server ` +
            'package (`bash infra/setup.sh --test` does) or set TEST_REDIS_URL',
        ),
      ),
    );
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited with ${code}:\n${output.trim()}`)),
    );
  });
  const deadline = Date.now() + 10_000;

  while (!/Ready to accept connections/.test(output)) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start within 10 s:\n${output.trim()}`);
    }
    await Promise.race([failed, new Promise((resolve) => setTimeout(resolve, 20))]);
  }
  failed.catch(() => {});

  return child;
}

/** A free TCP port on loopback, chosen by the kernel. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();

    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;

      server.close(() => resolve(port));
    });
  });
}
