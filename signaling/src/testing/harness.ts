import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { pino } from 'pino';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';

import { loadConfig } from '../config.ts';
import type { Ack, ClientToServerEvents, ServerToClientEvents } from '../protocol/index.ts';
import type { RunningServer } from '../server.ts';
import { startServer } from '../server.ts';

export type TestSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer extends RunningServer {
  dataDir: string;
  /** Signs a token for a person, as a demo link would. */
  tokenFor(personId: string, options?: { seconds?: number; meetingId?: string }): string;
  stop(): Promise<void>;
}

/**
 * Starts Teamrom with one real mediasoup worker on a free port, its data in a fresh temporary
 * directory (or in `dataDir`, to test a restart), and the demo seeded.
 */
export async function startTestServer(
  options: { dataDir?: string; env?: Record<string, string>; probeLifetimeMs?: number } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'teamrom-test-')));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    MEDIASOUP_WORKERS: '1',
    RTC_MIN_PORT: '42000',
    RTC_MAX_PORT: '42999',
    ...options.env,
  });
  const server = await startServer(config, {
    log: pino({ level: 'silent' }),
    probeLifetimeMs: options.probeLifetimeMs,
  });

  return {
    ...server,
    dataDir,
    tokenFor(personId, { seconds = 600, meetingId } = {}) {
      const role = personId === 'person-astrid' ? 'patient' : 'nurse';

      return server.tokens.sign(
        { sub: personId, role, ...(meetingId ? { meetingId } : {}) },
        seconds,
      );
    },
    async stop() {
      await server.close();
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Connects a Socket.io client; rejects with the server's error data when refused. */
export async function connectClient(url: string, token: string | undefined): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (error) => {
      socket.close();
      reject(Object.assign(error, { data: (error as Error & { data?: unknown }).data }));
    });
  });

  return socket;
}

/** Sends a request and returns the raw acknowledgement, ok or not. */
export async function ask<T = unknown>(
  socket: TestSocket,
  event: string,
  payload: unknown,
): Promise<Ack<T>> {
  return (await (socket as unknown as Socket).timeout(5000).emitWithAck(event, payload)) as Ack<T>;
}

/** Resolves with the next `event` the socket receives. */
export function nextEvent<T>(socket: TestSocket, event: string, timeoutMs = 3000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${event} within ${timeoutMs} ms`)),
      timeoutMs,
    );

    (socket as unknown as Socket).once(event, (payload: T) => {
      clearTimeout(timer);
      resolve(payload);
    });
  });
}
