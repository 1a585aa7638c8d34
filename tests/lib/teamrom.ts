import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { freePort } from '../../signaling/src/testing/ports.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface DemoLink {
  name: string;
  role: string;
  url: string;
}

export interface TeamromProcess {
  url: string;
  dataDir: string;
  /** The server's JSON log lines (its stdout). */
  logFile: string;
  /** What it printed for people (its stderr): the start-up banner with the demo links. */
  consoleFile: string;
  demoLinks(): Promise<DemoLink[]>;
  /** Stops the server as an operator would (SIGTERM) and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts Teamrom the way `npm start` runs it (after set-up), as its own process on a free port
 * with a fresh data directory, and waits until /healthz answers.
 */
export async function startTeamrom(env: Record<string, string> = {}): Promise<TeamromProcess> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-e2e-'));
  const logFile = path.join(dataDir, 'server.log');
  const consoleFile = path.join(dataDir, 'server.console');
  const log = createWriteStream(logFile, { flags: 'a' });
  const consoleOut = createWriteStream(consoleFile, { flags: 'a' });
  const url = `http://127.0.0.1:${port}`;

  const launch = async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(REPO_ROOT, 'signaling', 'src', 'main.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATA_DIR: dataDir,
          // The demo-meeting browser tests have the patient join at once; a test of the waiting
          // room (scheduling.e2e.test.ts) passes WAITING_ROOM: 'on'.
          WAITING_ROOM: 'off',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );

    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(consoleOut, { end: false });

    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

    await waitForHealth(url, exited);

    return { child, exited };
  };
  /** Set when the server stopped without being asked: a crash the test must not pass over. */
  let crashed: string | null = null;
  const terminate = async ({ child, exited }: Awaited<ReturnType<typeof launch>>) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      crashed ??= `Teamrom stopped by itself (code ${child.exitCode}, signal ${child.signalCode})`;

      return;
    }

    child.kill('SIGTERM');

    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);

    await exited;
    clearTimeout(timer);
  };
  let running = await launch();

  return {
    url,
    dataDir,
    logFile,
    consoleFile,
    async demoLinks() {
      const res = await fetch(`${url}/api/demo/links`);

      if (!res.ok) throw new Error(`demo links: HTTP ${res.status}`);

      return (await res.json()) as DemoLink[];
    },
    async restart() {
      await terminate(running);
      running = await launch();
    },
    async stop() {
      await terminate(running);
      log.end();
      consoleOut.end();
      if (crashed) {
        // The crash is the finding; its data stays for the reader.
        const said = await readFile(consoleFile, 'utf8').catch(() => '');

        throw new Error(`${crashed}; data kept in ${dataDir}; it said:\n${said.slice(-2000)}`);
      }
      if (!process.env.KEEP_TEST_DATA) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function waitForHealth(url: string, exited: Promise<number | null>): Promise<void> {
  const deadline = Date.now() + 30_000;
  let stoppedWith: number | null | undefined;

  void exited.then((code) => (stoppedWith = code));

  while (Date.now() < deadline) {
    if (stoppedWith !== undefined) throw new Error(`Teamrom exited with code ${stoppedWith}`);

    try {
      const res = await fetch(`${url}/healthz`);

      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  throw new Error('Teamrom did not become healthy within 30 s');
}
