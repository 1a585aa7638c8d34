import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from './ports.ts';

const MAIN = fileURLToPath(new URL('../main.ts', import.meta.url));
/** The repository root, where `tsx` is installed. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A signalling node running as a process of its own, so that a test can kill it as a crash would. */
export interface SignalingNodeProcess {
  url: string;
  port: number;
  /** The end of what the node wrote (its log and errors), for a failing test to show. */
  output(): string;
  /** SIGKILL: no goodbye to Redis, no graceful close of its connections. */
  kill(): Promise<void>;
  /** SIGTERM, and waits for the process to end. */
  stop(): Promise<void>;
}

/**
 * Starts `signaling/src/main.ts` with `env` on a free port of 127.0.0.1 and waits until its
 * /readyz answers 200.
 */
export async function startSignalingNode(
  env: Record<string, string>,
): Promise<SignalingNodeProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-node-'));
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  const ended = once(child, 'exit');
  const killOnExit = () => child.kill('SIGKILL');

  const keep = (chunk: Buffer) => (stderr = (stderr + String(chunk)).slice(-50_000));

  // Its log (stdout) too: what a failing test shows.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  process.on('exit', killOnExit);

  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 30_000;

  for (;;) {
    if (child.exitCode !== null) throw new Error(`signalling node exited:\n${stderr}`);

    const status = await fetch(`${url}/readyz`).then(
      (r) => r.status,
      () => 0,
    );

    if (status === 200) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`signalling node not ready within 30 s:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  const finish = async (signal: NodeJS.Signals) => {
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await ended;
    await rm(dataDir, { recursive: true, force: true });
  };

  return {
    url,
    port,
    output: () => stderr,
    kill: () => finish('SIGKILL'),
    stop: () => finish('SIGTERM'),
  };
}

/**
 * A TCP load balancer on 127.0.0.1: each new connection goes to the first backend still marked
 * up, as a balancer whose health check took a dead node out would send it.
 */
export interface TestLoadBalancer {
  url: string;
  /** Sends new connections to these ports, the first one first. */
  route(ports: number[]): void;
  close(): Promise<void>;
}

export async function startLoadBalancer(ports: number[]): Promise<TestLoadBalancer> {
  let backends = ports;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(backends[0]!, '127.0.0.1');

    open.add(client);
    open.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    for (const [side, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      side.on('error', () => other.destroy());
      side.on('close', () => {
        open.delete(side);
        other.destroy();
      });
    }
  });

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');

  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    route(next) {
      backends = next;
    },
    async close() {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
