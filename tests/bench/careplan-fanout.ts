/**
 * Care-plan edits reaching six viewers: six members of the care team have the plan open, and a
 * seventh adds actions one after another. Each edit is timed from emitting `careplan:apply` until
 * each viewer has the `careplan:changed` that carries it; p50 and p95 over every delivery. The
 * server runs in its own process. Every change carries the whole plan, which grows by one action
 * per edit.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import type { Socket } from 'socket.io-client';
import { io } from 'socket.io-client';

import type { BenchOptions } from './lib/report.ts';
import { percentile, round, stamp, stampLine, writeResult } from './lib/report.ts';
import { chart, COLORS } from './lib/svg.ts';
import { watchCpu } from './lib/procfs.ts';
import { startBenchServer } from './server/process.ts';

const SIZES = { full: { viewers: 6, edits: 200 }, smoke: { viewers: 6, edits: 5 } };
const TIMEOUT_MS = 10_000;

interface Ack<T> {
  ok: boolean;
  data?: T;
  error?: { code: string; message: string };
}

export interface CarePlanFanoutResult extends ReturnType<typeof stamp> {
  benchmark: 'careplan-fanout';
  summary: string;
  viewers: number;
  edits: number;
  failures: number;
  /** From emitting careplan:apply to a viewer receiving careplan:changed, over every delivery. */
  deliveryMs: { p50: number; p95: number; max: number };
  /** From emitting careplan:apply to the editor's acknowledgement. */
  ackMs: { p50: number; p95: number };
  /** Per edit, when the last of the viewers had it. */
  slowestViewerMsPerEdit: number[];
  actionsAtEnd: number;
  /** CPU of every process but the server and the clients, in percent of one core. */
  otherProcessesCpuPercent: number;
  /** Size of the last careplan:changed as JSON, since every change carries the whole plan. */
  lastChangeBytes: number;
}

export async function benchCarePlanFanout(options: BenchOptions): Promise<CarePlanFanoutResult> {
  const size = options.smoke ? SIZES.smoke : SIZES.full;
  const server = await startBenchServer(size.viewers + 1);
  const sockets: Socket[] = [];
  const deliveries: number[] = [];
  const acks: number[] = [];
  const slowest: number[] = [];
  let failures = 0;
  let actionsAtEnd = 0;
  let lastChangeBytes = 0;
  let othersPercent = 0;

  try {
    const [editor, ...viewers] = await Promise.all(
      server.tokens.map(async (token) => {
        const socket = await connect(server.url, token);

        sockets.push(socket);

        return socket;
      }),
    );
    const plans = await Promise.all(
      [editor!, ...viewers].map((s) =>
        request<{ version: number }>(s, 'careplan:open', { planId: server.planId }),
      ),
    );
    let version = plans[0]!.version;
    const othersCpu = watchCpu([server.pid, process.pid]);

    viewers[0]!.on('careplan:changed', (event: { plan: { actions: unknown[] } }) => {
      actionsAtEnd = event.plan.actions.length;
      lastChangeBytes = Buffer.byteLength(JSON.stringify(event));
    });

    for (let i = 1; i <= size.edits; i++) {
      const arrived = Promise.all(viewers.map((viewer) => arrival(viewer, version + 1)));
      const emitted = performance.now();

      // Should the edit itself fail, nothing arrives; that is counted below, not thrown later.
      arrived.catch(() => {});

      try {
        await request(editor!, 'careplan:apply', {
          planId: server.planId,
          baseVersion: version,
          idempotencyKey: randomUUID(),
          operation: {
            type: 'action.add',
            actionId: randomUUID(),
            description: `Benchmark action ${String(i).padStart(3, '0')}`,
            responsible: 'municipality',
          },
        });
        acks.push(performance.now() - emitted);
        version++;

        const times = (await arrived).map((at) => at - emitted);

        deliveries.push(...times);
        slowest.push(round(Math.max(...times), 2));
      } catch (error) {
        failures++;
        process.stderr.write(`[careplan-fanout] edit ${i} failed: ${(error as Error).message}\n`);
        // Catch up with whatever version the plan reached, so that the next edit is not stale.
        version = (
          await request<{ version: number }>(editor!, 'careplan:open', {
            planId: server.planId,
          })
        ).version;
      }
    }

    othersPercent = othersCpu().othersPercent;
  } finally {
    for (const socket of sockets) socket.close();
    await server.stop();
  }

  const sorted = deliveries.sort((a, b) => a - b);
  const sortedAcks = acks.sort((a, b) => a - b);
  const deliveryMs = {
    p50: round(percentile(sorted, 50), 2),
    p95: round(percentile(sorted, 95), 2),
    max: round(sorted.at(-1) ?? NaN, 2),
  };
  const result: CarePlanFanoutResult = {
    benchmark: 'careplan-fanout',
    summary:
      `${size.edits} edits to ${size.viewers} viewers: delivered in p50 ${deliveryMs.p50} ms, ` +
      `p95 ${deliveryMs.p95} ms (max ${deliveryMs.max} ms); ${failures} failed`,
    ...stamp(options.smoke),
    viewers: size.viewers,
    edits: size.edits,
    failures,
    deliveryMs,
    ackMs: {
      p50: round(percentile(sortedAcks, 50), 2),
      p95: round(percentile(sortedAcks, 95), 2),
    },
    slowestViewerMsPerEdit: slowest,
    actionsAtEnd,
    lastChangeBytes,
    otherProcessesCpuPercent: othersPercent,
  };

  await writeResult(options.outDir, 'careplan-fanout', result, fanoutChart(result));

  return result;
}

async function connect(url: string, token: string): Promise<Socket> {
  const socket = io(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });

  return socket;
}

/** Sends a request and returns its data, or throws with the server's error code. */
async function request<T = unknown>(socket: Socket, event: string, payload: object): Promise<T> {
  const ack = (await socket.timeout(TIMEOUT_MS).emitWithAck(event, payload)) as Ack<T>;

  if (!ack.ok) throw new Error(`${event}: ${ack.error?.code} ${ack.error?.message}`);

  return ack.data as T;
}

/** When the socket receives the change that made the plan `version`. */
function arrival(socket: Socket, version: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const listener = (event: { version: number }) => {
      if (event.version !== version) return;

      clearTimeout(timer);
      socket.off('careplan:changed', listener);
      resolve(performance.now());
    };
    const timer = setTimeout(() => {
      socket.off('careplan:changed', listener);
      reject(new Error(`version ${version} did not arrive within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);

    socket.on('careplan:changed', listener);
  });
}

function fanoutChart(result: CarePlanFanoutResult): string {
  return chart({
    title: `Care-plan edits reaching ${result.viewers} viewers`,
    subtitle:
      `${result.edits} edits one after another, ${result.failures} failed. The plan grew to ` +
      `${result.actionsAtEnd} actions; the last change was ${result.lastChangeBytes} bytes. ` +
      `Other processes on the machine used ${result.otherProcessesCpuPercent} % of a core.`,
    footer: stampLine(result),
    panels: [
      {
        kind: 'bar',
        title: 'From the edit being sent to a viewer having it',
        unit: 'ms',
        bars: [
          { label: 'p50 of all deliveries', value: result.deliveryMs.p50 },
          { label: 'p95 of all deliveries', value: result.deliveryMs.p95 },
          { label: 'slowest delivery', value: result.deliveryMs.max, color: COLORS.bare },
          {
            label: "editor's acknowledgement, p50",
            value: result.ackMs.p50,
            color: COLORS.neutral,
          },
          {
            label: "editor's acknowledgement, p95",
            value: result.ackMs.p95,
            color: COLORS.neutral,
          },
        ],
      },
      {
        kind: 'line',
        title: 'When the last of the viewers had each edit',
        xLabel: 'edit number (the plan grows by one action each)',
        yLabel: 'ms',
        series: [
          {
            name: 'slowest viewer',
            color: COLORS.teamrom,
            points: result.slowestViewerMsPerEdit.map((y, i) => ({ x: i + 1, y })),
          },
        ],
      },
    ],
  });
}
