/**
 * Care-plan edits reaching six viewers: six members of the care team have the plan open, and a
 * seventh changes it, one edit after another, in turn adding an action, setting that action's
 * status, rewriting a section and evaluating a goal. Each edit is timed from emitting
 * `careplan:apply` until each viewer has the `careplan:changed` of the version it made; p50 and p95
 * over every delivery. A change carries only the operation; each viewer applies it to its own copy
 * with `reduce`, as the web client does, and at the end every copy must equal the server's plan.
 * The server runs in its own process.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';

import type { Socket } from 'socket.io-client';

import type {
  CarePlan,
  OpenedPlan,
  PlanOperationApplied,
  PlanOperationInput,
  Responsible,
} from '../../signaling/src/protocol/index.ts';
import { PLAN_SECTIONS, reduce } from '../../signaling/src/protocol/index.ts';
import { connect, request, TIMEOUT_MS } from './lib/socket.ts';
import type { BenchOptions } from './lib/report.ts';
import { percentile, round, stamp, stampLine, writeResult } from './lib/report.ts';
import { chart, COLORS } from './lib/svg.ts';
import { watchCpu } from './lib/procfs.ts';
import { startBenchServer } from './server/process.ts';

const SIZES = { full: { viewers: 6, edits: 200 }, smoke: { viewers: 6, edits: 8 } };
/** The goal for an edit reaching everyone; reported, never asserted. */
const GOAL_P95_MS = 100;

/** The edits, in turn. */
const OPERATIONS = ['action.add', 'action.setStatus', 'section.set', 'goal.evaluate'] as const;
type FanoutOperation = (typeof OPERATIONS)[number];

const DEMO_GOALS = ['goal-walk', 'goal-breath', 'goal-social'];
const RESPONSIBLE: Responsible[] = [
  { kind: 'organisation', id: 'org-municipality' },
  { kind: 'person', id: 'person-ola' },
  { kind: 'organisation', id: 'org-hospital' },
  { kind: 'person', id: 'person-per' },
  { kind: 'organisation', id: 'org-gp' },
];

/** One member of the team with the plan open, keeping their copy of it up to date. */
interface Viewer {
  socket: Socket;
  plan: CarePlan;
  /** Changes that did not follow the version held; a client would open the plan again. */
  gaps: number;
  /** When the change that makes the plan `version` arrives. */
  arrival(version: number): Promise<number>;
}

export interface CarePlanFanoutResult extends ReturnType<typeof stamp> {
  benchmark: 'careplan-fanout';
  summary: string;
  viewers: number;
  edits: number;
  /** Edits that failed, plus viewers whose plan ended up different from the server's. */
  failures: number;
  failedEdits: number;
  /** Viewers whose plan, built by applying every change, differs from the server's at the end. */
  viewersDiffering: number;
  /** Viewers whose plan equals the server's at the end. */
  viewersMatching: number;
  /** Edits applied, by operation type. */
  operations: Record<FanoutOperation, number>;
  /** From emitting careplan:apply to a viewer receiving careplan:changed, over every delivery. */
  deliveryMs: { p50: number; p95: number; max: number };
  goalP95Ms: number;
  /** From emitting careplan:apply to the editor's acknowledgement. */
  ackMs: { p50: number; p95: number };
  /** Per edit, when the last of the viewers had it. */
  slowestViewerMsPerEdit: number[];
  actionsAtEnd: number;
  /** CPU of every process but the server and the clients, in percent of one core. */
  otherProcessesCpuPercent: number;
  /** The largest careplan:changed of each operation type, as JSON. */
  changeBytesByType: Record<FanoutOperation, number>;
  changeBytesMax: number;
  /** The server's plan at the end, as JSON: what every change carried before it carried operations. */
  planBytesAtEnd: number;
}

export async function benchCarePlanFanout(options: BenchOptions): Promise<CarePlanFanoutResult> {
  const size = options.smoke ? SIZES.smoke : SIZES.full;
  const server = await startBenchServer(size.viewers + 1);
  const sockets: Socket[] = [];
  const deliveries: number[] = [];
  const acks: number[] = [];
  const slowest: number[] = [];
  const operations = countsByOperation();
  const changeBytesByType = countsByOperation();
  let failedEdits = 0;
  let viewersDiffering = 0;
  let serverPlan: CarePlan | undefined;
  let othersPercent = 0;

  try {
    const [editor, ...viewerSockets] = await Promise.all(
      server.tokens.map(async (token) => {
        const socket = await connect(server.url, token);

        sockets.push(socket);

        return socket;
      }),
    );
    const opened = await Promise.all(
      [editor!, ...viewerSockets].map((s) =>
        request<OpenedPlan>(s, 'careplan:open', { planId: server.planId }),
      ),
    );
    const viewers = viewerSockets.map((socket, i) => watch(socket, opened[i + 1]!.plan));
    let version = opened[0]!.plan.version;
    let lastActionId = 'action-physio';
    const othersCpu = watchCpu([server.pid, process.pid]);

    viewers[0]!.socket.on('careplan:changed', (event: PlanOperationApplied) => {
      const type = event.operation.type as FanoutOperation;

      changeBytesByType[type] = Math.max(
        changeBytesByType[type],
        Buffer.byteLength(JSON.stringify(event)),
      );
    });

    for (let i = 1; i <= size.edits; i++) {
      const type = OPERATIONS[(i - 1) % OPERATIONS.length]!;
      const operation = operationFor(type, i, lastActionId);
      const arrived = Promise.all(viewers.map((viewer) => viewer.arrival(version + 1)));
      const emitted = performance.now();

      // Should the edit itself fail, nothing arrives; that is counted below, not thrown later.
      arrived.catch(() => {});

      try {
        await request(editor!, 'careplan:apply', {
          planId: server.planId,
          baseVersion: version,
          idempotencyKey: randomUUID(),
          operation,
        });
        acks.push(performance.now() - emitted);
        version++;
        operations[type]++;
        if (operation.type === 'action.add') lastActionId = operation.actionId;

        const times = (await arrived).map((at) => at - emitted);

        deliveries.push(...times);
        slowest.push(round(Math.max(...times), 2));
      } catch (error) {
        failedEdits++;
        process.stderr.write(`[careplan-fanout] edit ${i} failed: ${(error as Error).message}\n`);
        // Catch up with whatever version the plan reached, so that the next edit is not stale.
        version = (await request<OpenedPlan>(editor!, 'careplan:open', { planId: server.planId }))
          .plan.version;
      }
    }

    othersPercent = othersCpu().othersPercent;
    serverPlan = (await request<OpenedPlan>(editor!, 'careplan:open', { planId: server.planId }))
      .plan;

    for (const [i, viewer] of viewers.entries()) {
      if (viewer.gaps === 0 && isDeepStrictEqual(viewer.plan, serverPlan)) continue;

      viewersDiffering++;
      process.stderr.write(
        `[careplan-fanout] viewer ${i + 1} differs from the server after ${viewer.gaps} gaps, ` +
          `first at ${firstDifference(viewer.plan, serverPlan) ?? 'an unknown path'}\n`,
      );
    }
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
  const failures = failedEdits + viewersDiffering;
  const changeBytesMax = Math.max(...Object.values(changeBytesByType));
  const planBytesAtEnd = serverPlan ? Buffer.byteLength(JSON.stringify(serverPlan)) : NaN;
  const result: CarePlanFanoutResult = {
    benchmark: 'careplan-fanout',
    summary:
      `${size.edits} edits to ${size.viewers} viewers: delivered in p50 ${deliveryMs.p50} ms, ` +
      `p95 ${deliveryMs.p95} ms (max ${deliveryMs.max} ms; goal p95 < ${GOAL_P95_MS} ms); ` +
      `changes of at most ${changeBytesMax} bytes against a ${planBytesAtEnd}-byte plan; ` +
      `${failures} failed (${failedEdits} edits, ${viewersDiffering} viewers differing from ` +
      `the server)`,
    ...stamp(options.smoke),
    viewers: size.viewers,
    edits: size.edits,
    failures,
    failedEdits,
    viewersDiffering,
    viewersMatching: size.viewers - viewersDiffering,
    operations,
    deliveryMs,
    goalP95Ms: GOAL_P95_MS,
    ackMs: {
      p50: round(percentile(sortedAcks, 50), 2),
      p95: round(percentile(sortedAcks, 95), 2),
    },
    slowestViewerMsPerEdit: slowest,
    actionsAtEnd: serverPlan?.actions.length ?? 0,
    otherProcessesCpuPercent: othersPercent,
    changeBytesByType,
    changeBytesMax,
    planBytesAtEnd,
  };

  await writeResult(options.outDir, 'careplan-fanout', result, fanoutChart(result));

  return result;
}

function countsByOperation(): Record<FanoutOperation, number> {
  return Object.fromEntries(OPERATIONS.map((type) => [type, 0])) as Record<FanoutOperation, number>;
}

/** Edit number `i`: invented text, and the action added last for its status to change. */
function operationFor(type: FanoutOperation, i: number, lastActionId: string): PlanOperationInput {
  const n = String(i).padStart(3, '0');

  switch (type) {
    case 'action.add':
      return {
        type,
        actionId: randomUUID(),
        description: `Benchmark action ${n}`,
        responsible: RESPONSIBLE[i % RESPONSIBLE.length]!,
        goalId: DEMO_GOALS[i % DEMO_GOALS.length]!,
        dueDate: null,
      };
    case 'action.setStatus':
      return { type, actionId: lastActionId, status: i % 8 === 2 ? 'done' : 'in_progress' };
    case 'section.set':
      return {
        type,
        section: PLAN_SECTIONS[i % PLAN_SECTIONS.length]!,
        text: `Benchmark text ${n}: the team agreed on this at the meeting.`,
      };
    case 'goal.evaluate':
      return {
        type,
        evaluationId: randomUUID(),
        goalId: DEMO_GOALS[i % DEMO_GOALS.length]!,
        date: '2026-12-01',
        text: `Benchmark evaluation ${n}: walks to the letterbox most days.`,
        achievementStatus: i % 8 === 0 ? 'improving' : 'in-progress',
      };
    default: {
      const unknown: never = type;

      throw new Error(`no operation ${String(unknown)}`);
    }
  }
}

/**
 * Keeps a viewer's copy of the plan as the web client does, applying each change that follows the
 * version held. The time of arrival is taken before anything else happens to the change.
 */
function watch(socket: Socket, plan: CarePlan): Viewer {
  const waiting = new Map<number, (at: number) => void>();
  const viewer: Viewer = {
    socket,
    plan,
    gaps: 0,
    arrival(version) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(version);
          reject(new Error(`version ${version} did not arrive within ${TIMEOUT_MS} ms`));
        }, TIMEOUT_MS);

        waiting.set(version, (at) => {
          clearTimeout(timer);
          resolve(at);
        });
      });
    },
  };

  socket.on('careplan:changed', (event: PlanOperationApplied) => {
    const at = performance.now();

    waiting.get(event.version)?.(at);
    waiting.delete(event.version);

    if (event.version !== viewer.plan.version + 1) {
      viewer.gaps++;

      return;
    }

    viewer.plan = reduce(viewer.plan, event.operation, event);
  });

  return viewer;
}

/** The first path at which two JSON values differ, to say where a viewer went wrong. */
function firstDifference(a: unknown, b: unknown, path = 'plan'): string | null {
  if (isDeepStrictEqual(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;

  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);

  for (const key of keys) {
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      `${path}.${key}`,
    );

    if (found) return found;
  }

  return path;
}

function fanoutChart(result: CarePlanFanoutResult): string {
  return chart({
    title: `Care-plan edits reaching ${result.viewers} viewers`,
    subtitle:
      `${result.edits} edits one after another (${OPERATIONS.join(', ')} in turn), ` +
      `${result.failedEdits} failed; ${result.viewersMatching} of ${result.viewers} viewers ` +
      `ended with the server's plan. Each change carries one operation; the plan ended at ` +
      `${result.actionsAtEnd} actions and ${result.planBytesAtEnd} bytes. Other processes on ` +
      `the machine used ${result.otherProcessesCpuPercent} % of a core.`,
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
        limit: { value: result.goalP95Ms, label: `goal: p95 < ${result.goalP95Ms} ms` },
      },
      {
        kind: 'line',
        title: 'When the last of the viewers had each edit',
        xLabel: 'edit number',
        yLabel: 'ms',
        series: [
          {
            name: 'slowest viewer',
            color: COLORS.teamrom,
            points: result.slowestViewerMsPerEdit.map((y, i) => ({ x: i + 1, y })),
          },
        ],
      },
      {
        kind: 'bar',
        title: 'Size of a careplan:changed as JSON, the largest of each kind',
        unit: 'bytes',
        bars: [
          ...OPERATIONS.map((type) => ({ label: type, value: result.changeBytesByType[type] })),
          {
            label: 'the whole plan, at the end',
            value: result.planBytesAtEnd,
            color: COLORS.neutral,
          },
        ],
      },
    ],
  });
}
