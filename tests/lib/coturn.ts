import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../../signaling/src/testing/ports.ts';
import { stunAnswers } from './turnClient.ts';

export const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

export interface CoturnProcess {
  port: number;
  /** The shared secret, as TURN_SECRET would be. */
  secret: string;
  /** `turn:127.0.0.1:<port>?transport=udp`, as TURN_URLS would hold it. */
  url: string;
  logFile: string;
  /** Allocations coturn granted so far, counted from its log. */
  allocations(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Test only: the media server under test listens on 127.0.0.1, so coturn must relay to loopback.
 * A production TURN server must never do so (see infra/coturn/turnserver.conf).
 */
const LOOPBACK_PEERS = ['allow-loopback-peers', 'no-multicast-peers'];

/**
 * Starts Debian's coturn as a child process on loopback, with a throwaway configuration in a
 * temporary directory: the TURN REST scheme with a random secret, UDP and TCP on a free port, and
 * nothing else (no TLS, no CLI, no database but its own). It is not the production example in
 * infra/coturn: that one refuses to relay to loopback, where the tests' media server listens.
 *
 * @param options.peerRules the lines saying where coturn may relay to; default: loopback too
 * @param options.settings further lines a test needs
 */
export async function startCoturn(
  options: { peerRules?: string[]; settings?: string[] } = {},
): Promise<CoturnProcess> {
  // No silent skip: `npm test` installs coturn through infra/setup.sh --test before any test runs.
  if (spawnSync(TURNSERVER, ['--version']).error) {
    throw new Error(
      `coturn is not installed (no ${TURNSERVER}): run "bash infra/setup.sh --test", ` +
        'as `npm test` does first',
    );
  }

  const dir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-coturn-'));
  const port = await freePort();
  const secret = randomBytes(32).toString('hex');
  const configFile = path.join(dir, 'turnserver.conf');
  const logFile = path.join(dir, 'turnserver.log');

  await writeFile(
    configFile,
    [
      'listening-ip=127.0.0.1',
      'relay-ip=127.0.0.1',
      `listening-port=${port}`,
      // Above the RTC ports the tests give mediasoup, so that the two never compete for one.
      'min-port=50000',
      'max-port=59999',
      'use-auth-secret',
      `static-auth-secret=${secret}`,
      'realm=teamrom.test',
      'fingerprint',
      'no-cli',
      'no-tls',
      'no-dtls',
      'no-rfc5780',
      'no-stun-backward-compatibility',
      ...(options.peerRules ?? LOOPBACK_PEERS),
      ...(options.settings ?? []),
      // One line per ALLOCATE, which allocations() counts.
      'verbose',
      'log-file=stdout',
      'simple-log',
      `pidfile=${path.join(dir, 'turnserver.pid')}`,
      `userdb=${path.join(dir, 'turndb')}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );

  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(TURNSERVER, ['-c', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));

  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');

      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);

      await exited;
      clearTimeout(timer);
    }
    log.end();
    if (!process.env.KEEP_TEST_DATA) await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilAnswering(port, exited, logFile);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    port,
    secret,
    url: `turn:127.0.0.1:${port}?transport=udp`,
    logFile,
    async allocations() {
      const text = await readFile(logFile, 'utf8');

      return text.match(/ALLOCATE processed, success/g)?.length ?? 0;
    },
    stop,
  };
}

async function waitUntilAnswering(
  port: number,
  exited: Promise<number | null>,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  let stoppedWith: number | null | undefined;

  void exited.then((code) => (stoppedWith = code));

  while (Date.now() < deadline) {
    if (stoppedWith !== undefined) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-15);

      throw new Error(`coturn exited with code ${stoppedWith}:\n${tail.join('\n')}`);
    }
    if (await stunAnswers(port)) return;
  }

  throw new Error(`coturn did not answer on 127.0.0.1:${port} within 10 s`);
}
