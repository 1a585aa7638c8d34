/**
 * A join storm: 200 Socket.io clients, each a different member of the patient's care team, connect
 * and join one meeting, starting evenly spread over 2 seconds. Reports failures (the goal is none)
 * and the time from emitting `meeting:join` to its acknowledgement. The server runs in its own
 * process; no media is set up, so this measures signalling, access checks and the audit trail.
 */
import { performance } from 'node:perf_hooks';

import type { Socket } from 'socket.io-client';
import { io } from 'socket.io-client';

import type { BenchOptions } from './lib/report.ts';
import { percentile, round, sleep, stamp, stampLine, writeResult } from './lib/report.ts';
import { chart, COLORS } from './lib/svg.ts';
import { watchCpu } from './lib/procfs.ts';
import { startBenchServer } from './server/process.ts';

const SIZES = { full: { clients: 200, spreadMs: 2000 }, smoke: { clients: 10, spreadMs: 200 } };
const TIMEOUT_MS = 10_000;

export interface Attempt {
  ok: boolean;
  /** Where it failed: the connection, or the join request. */
  failedAt?: 'connect' | 'join';
  reason?: string;
  connectMs?: number;
  ackMs?: number;
}

export interface JoinStormResult extends ReturnType<typeof stamp> {
  benchmark: 'join-storm';
  summary: string;
  clients: number;
  spreadMs: number;
  failures: number;
  failureReasons: Record<string, number>;
  joinAckMs: { p50: number; p95: number; max: number };
  connectMs: { p50: number; p95: number; max: number };
  /** From the first client starting to the last acknowledgement. */
  stormMs: number;
  participantsAtEnd: number;
  /** CPU of the server process during the storm, in percent of one core. */
  serverCpuPercent: number;
  /** CPU of every process but the server and the clients, in percent of one core. */
  otherProcessesCpuPercent: number;
}

export async function benchJoinStorm(options: BenchOptions): Promise<JoinStormResult> {
  const size = options.smoke ? SIZES.smoke : SIZES.full;
  const server = await startBenchServer(size.clients);
  const sockets: Socket[] = [];
  let attempts: Attempt[];
  let stormMs: number;
  let cpu: { server: number; others: number };
  let participantsAtEnd: number;

  try {
    const serverCpu = watchCpu([server.pid]);
    const othersCpu = watchCpu([server.pid, process.pid]);
    const started = performance.now();

    attempts = await Promise.all(
      server.tokens.map(async (token, i) => {
        await sleep((i * size.spreadMs) / size.clients);

        return joinOnce(server.url, server.meetingId, token, sockets);
      }),
    );
    stormMs = performance.now() - started;
    cpu = { server: serverCpu().ownPercent, others: othersCpu().othersPercent };
    participantsAtEnd = await participants(server.url);
  } finally {
    for (const socket of sockets) socket.close();
    await server.stop();
  }

  const failures = attempts.filter((a) => !a.ok);
  const failureReasons: Record<string, number> = {};

  for (const failure of failures) {
    const key = `${failure.failedAt}: ${failure.reason}`;

    failureReasons[key] = (failureReasons[key] ?? 0) + 1;
  }

  const spread = (values: number[]) => {
    const sorted = values.sort((a, b) => a - b);

    return {
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      max: round(sorted.at(-1) ?? NaN),
    };
  };
  const joinAckMs = spread(attempts.flatMap((a) => (a.ackMs === undefined ? [] : [a.ackMs])));
  const connectMs = spread(
    attempts.flatMap((a) => (a.connectMs === undefined ? [] : [a.connectMs])),
  );
  const result: JoinStormResult = {
    benchmark: 'join-storm',
    summary:
      `${size.clients} clients joining within ${size.spreadMs / 1000} s: ${failures.length} ` +
      `failed; meeting:join acknowledged in p50 ${joinAckMs.p50} ms, p95 ${joinAckMs.p95} ms ` +
      `(max ${joinAckMs.max} ms)`,
    ...stamp(options.smoke),
    clients: size.clients,
    spreadMs: size.spreadMs,
    failures: failures.length,
    failureReasons,
    joinAckMs,
    connectMs,
    stormMs: round(stormMs),
    participantsAtEnd,
    serverCpuPercent: cpu.server,
    otherProcessesCpuPercent: cpu.others,
  };

  await writeResult(options.outDir, 'join-storm', result, stormChart(result));

  return result;
}

/**
 * One client: connects over a WebSocket and joins the meeting. `headers` go with the WebSocket's
 * upgrade request (the cluster variant pins clients to a node with the load balancer's cookie).
 */
export async function joinOnce(
  url: string,
  meetingId: string,
  token: string,
  sockets: Socket[],
  headers?: Record<string, string>,
): Promise<Attempt> {
  const began = performance.now();
  const socket = io(url, {
    auth: { token },
    ...(headers ? { extraHeaders: headers } : {}),
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    timeout: TIMEOUT_MS,
  });

  sockets.push(socket);

  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  } catch (error) {
    return { ok: false, failedAt: 'connect', reason: (error as Error).message };
  }

  const connected = performance.now();

  try {
    const ack = (await socket.timeout(TIMEOUT_MS).emitWithAck('meeting:join', { meetingId })) as {
      ok: boolean;
      error?: { code: string };
    };
    const ackMs = performance.now() - connected;

    return ack.ok
      ? { ok: true, connectMs: connected - began, ackMs }
      : { ok: false, failedAt: 'join', reason: ack.error?.code ?? 'refused', ackMs };
  } catch {
    return { ok: false, failedAt: 'join', reason: `no acknowledgement within ${TIMEOUT_MS} ms` };
  }
}

/** Participants the server counts in its meetings, read from its metrics. */
async function participants(url: string): Promise<number> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const match = /^teamrom_participants\s+(\d+)/m.exec(text);

    return match ? Number(match[1]) : -1;
  } catch {
    return -1;
  }
}

function stormChart(result: JoinStormResult): string {
  return chart({
    title: `Join storm: ${result.clients} people join one meeting within ${result.spreadMs / 1000} s`,
    subtitle:
      `${result.failures} failed (goal: none). During the storm the server used ` +
      `${result.serverCpuPercent} % of a core, other processes on the machine ` +
      `${result.otherProcessesCpuPercent} %.`,
    footer: stampLine(result),
    panels: [
      {
        kind: 'bar',
        title: 'Time from emitting meeting:join to its acknowledgement',
        unit: 'ms',
        bars: [
          { label: 'p50', value: result.joinAckMs.p50 },
          { label: 'p95', value: result.joinAckMs.p95 },
          { label: 'slowest', value: result.joinAckMs.max, color: COLORS.bare },
        ],
      },
      {
        kind: 'bar',
        title: 'Time to open the Socket.io connection (WebSocket)',
        unit: 'ms',
        bars: [
          { label: 'p50', value: result.connectMs.p50, color: COLORS.neutral },
          { label: 'p95', value: result.connectMs.p95, color: COLORS.neutral },
          { label: 'slowest', value: result.connectMs.max, color: COLORS.bare },
        ],
      },
    ],
  });
}
