/**
 * Loading a large care plan: 50 goals, 200 actions and 1,000 history entries, grown by applying
 * 1,000 operations through `CarePlanService.apply` in the server process, so that its history,
 * snapshots and audit trail are real. Then, many times over, one care-team member's client:
 * opens it (`careplan:open`, socket request to reply, the whole path a client sees), reads its
 * history (`careplan:history`), and reads an early and a late version (`careplan:version`, replayed
 * from the nearest snapshot). `CarePlanService.open` is also timed inside the server process, to
 * tell the service from the socket around it. Each is compared with the same call on the demo's
 * small plan in the same run, taken in turn with it so that other load on the machine falls on
 * both alike; p50, p95, max, and the ratio of the two.
 */
import { performance } from 'node:perf_hooks';

import type { Socket } from 'socket.io-client';

import { SNAPSHOT_EVERY } from '../../signaling/src/careplan/CarePlanRepository.ts';
import type { CarePlan, OpenedPlan, PlanHistoryEntry } from '../../signaling/src/protocol/index.ts';
import { connect, request } from './lib/socket.ts';
import type { BenchOptions } from './lib/report.ts';
import { percentile, round, stamp, stampLine, writeResult } from './lib/report.ts';
import { chart, COLORS } from './lib/svg.ts';
import { watchCpu } from './lib/procfs.ts';
import type { LargePlanSize } from './server/commands.ts';
import { startBenchServer } from './server/process.ts';

interface LoadSize {
  plan: LargePlanSize;
  /** Measured rounds; CarePlanService.open is timed in the server process after each. */
  rounds: number;
  perRound: number;
  /** Unmeasured calls of each kind first, so that neither JIT nor cold caches are measured. */
  warmUp: number;
}

const SIZES: Record<'full' | 'smoke', LoadSize> = {
  full: { plan: { goals: 50, actions: 200, history: 1000 }, rounds: 10, perRound: 30, warmUp: 10 },
  smoke: { plan: { goals: 5, actions: 20, history: 70 }, rounds: 2, perRound: 3, warmUp: 1 },
};
/** The goal for loading the plan; reported, never asserted. */
const GOAL_P95_MS = 50;
/** The early version read back; the late one is as far from the end. */
const EARLY_VERSION = 10;

export interface Spread {
  p50: number;
  p95: number;
  max: number;
  count: number;
}

/** The same call on the large plan and on the demo's small plan, and how many times slower. */
export interface Comparison {
  large: Spread;
  baseline: Spread;
  ratio: { p50: number; p95: number };
}

export interface CarePlanLoadResult extends ReturnType<typeof stamp> {
  benchmark: 'careplan-load';
  summary: string;
  size: LargePlanSize;
  /** How the large plan was built: every operation through CarePlanService.apply. */
  built: {
    version: number;
    snapshots: number;
    auditEvents: number;
    buildSeconds: number;
    applyMs: Spread;
  };
  /** What opening the large plan gave the client. */
  largePlan: {
    version: number;
    goals: number;
    actions: number;
    notes: number;
    evaluations: number;
    historyEntries: number;
    openBytes: number;
    historyBytes: number;
  };
  /** The same for the demo's plan, the baseline. */
  baselinePlan: { version: number; goals: number; actions: number; openBytes: number };
  /** The versions read back: early and late from the large plan, and the baseline's only one. */
  versions: { early: number; late: number; baseline: number };
  /** Measured calls of each kind, after `warmUp` unmeasured ones. */
  repetitions: number;
  warmUp: number;
  goalP95Ms: number;
  timingsMs: {
    /** careplan:open over the socket, request to reply. */
    open: Comparison;
    /** CarePlanService.open in the server process, no socket. */
    openInProcess: Comparison;
    history: Comparison;
    versionEarly: Comparison;
    versionLate: Comparison;
  };
  /** Every socket careplan:open of the large plan, in order, to show drift or interference. */
  largeOpenMsInOrder: number[];
  /** Replies that did not hold what was asked for (a wrong version, a missing item). */
  failures: number;
  /** CPU while measuring, in percent of one core: the server, and every other process but this. */
  serverCpuPercent: number;
  otherProcessesCpuPercent: number;
}

export async function benchCarePlanLoad(options: BenchOptions): Promise<CarePlanLoadResult> {
  const size = options.smoke ? SIZES.smoke : SIZES.full;
  const versions = {
    early: EARLY_VERSION,
    late: size.plan.history - EARLY_VERSION,
    baseline: 0,
  };
  const server = await startBenchServer(1);
  const times = {
    open: { large: [] as number[], baseline: [] as number[] },
    openInProcess: { large: [] as number[], baseline: [] as number[] },
    history: { large: [] as number[], baseline: [] as number[] },
    versionEarly: [] as number[],
    versionLate: [] as number[],
    // Both old versions are compared with the demo plan at its only version.
    versionBaseline: [] as number[],
  };
  let socket: Socket | undefined;
  let failures = 0;

  try {
    process.stderr.write(
      `[careplan-load] building ${size.plan.goals} goals, ${size.plan.actions} actions, ` +
        `${size.plan.history} operations\n`,
    );

    const built = await server.command('buildPlan', size.plan);

    socket = await connect(server.url, server.tokens[0]!);

    const client = socket;
    const large = built.planId;
    const small = server.planId;
    // What every call returned last, to check and to size.
    const last: {
      open?: OpenedPlan;
      baselineOpen?: OpenedPlan;
      history?: PlanHistoryEntry[];
      versions: CarePlan[];
    } = { versions: [] };

    const timed = async <T>(into: number[] | null, run: () => Promise<T>): Promise<T> => {
      const started = performance.now();
      const data = await run();

      into?.push(performance.now() - started);

      return data;
    };

    /** One of each socket call, in turn; timed into `times` unless warming up. */
    const socketRound = async (measure: boolean) => {
      const into = (list: number[]) => (measure ? list : null);

      last.open = await timed(into(times.open.large), () =>
        request<OpenedPlan>(client, 'careplan:open', { planId: large }),
      );
      last.baselineOpen = await timed(into(times.open.baseline), () =>
        request<OpenedPlan>(client, 'careplan:open', { planId: small }),
      );
      last.history = await timed(into(times.history.large), () =>
        request<PlanHistoryEntry[]>(client, 'careplan:history', { planId: large }),
      );
      await timed(into(times.history.baseline), () =>
        request(client, 'careplan:history', { planId: small }),
      );
      last.versions = [];
      for (const [list, planId, version] of [
        [times.versionEarly, large, versions.early],
        [times.versionLate, large, versions.late],
        [times.versionBaseline, small, versions.baseline],
      ] as const) {
        last.versions.push(
          await timed(into(list), () =>
            request<CarePlan>(client, 'careplan:version', { planId, version }),
          ),
        );
      }
    };

    for (let i = 0; i < size.warmUp; i++) await socketRound(false);
    await server.command('timeOpen', { planIds: [large, small], repetitions: size.warmUp });

    const serverCpu = watchCpu([server.pid]);
    const othersCpu = watchCpu([server.pid, process.pid]);

    for (let r = 0; r < size.rounds; r++) {
      for (let i = 0; i < size.perRound; i++) {
        await socketRound(true);
      }

      const inProcess = await server.command('timeOpen', {
        planIds: [large, small],
        repetitions: size.perRound,
      });

      times.openInProcess.large.push(...inProcess.ms[0]!);
      times.openInProcess.baseline.push(...inProcess.ms[1]!);
    }

    const cpu = { server: serverCpu().ownPercent, others: othersCpu().othersPercent };
    const open = last.open!;
    const baselineOpen = last.baselineOpen!;
    const history = last.history!;
    const [early, late, baseline] = last.versions;
    const checks = [
      open.plan.version === built.version,
      open.plan.version === size.plan.history,
      open.plan.goals.length === size.plan.goals,
      open.plan.actions.length === size.plan.actions,
      history.length === size.plan.history,
      history[0]?.version === size.plan.history,
      early?.version === versions.early,
      late?.version === versions.late,
      baseline?.version === versions.baseline,
      built.snapshots === Math.floor(size.plan.history / SNAPSHOT_EVERY) + 1,
    ];

    failures = checks.filter((ok) => !ok).length;
    if (failures > 0) {
      process.stderr.write(`[careplan-load] checks that failed: ${checks.join(', ')}\n`);
    }

    const result: CarePlanLoadResult = {
      benchmark: 'careplan-load',
      summary: '',
      ...stamp(options.smoke),
      size: size.plan,
      built: {
        version: built.version,
        snapshots: built.snapshots,
        auditEvents: built.auditEvents,
        buildSeconds: round(built.buildMs / 1000, 1),
        applyMs: spread(built.applyMs),
      },
      largePlan: {
        version: open.plan.version,
        goals: open.plan.goals.length,
        actions: open.plan.actions.length,
        notes: open.plan.notes.length,
        evaluations: open.plan.goals.reduce((n, g) => n + g.evaluations.length, 0),
        historyEntries: history.length,
        openBytes: bytes(open),
        historyBytes: bytes(history),
      },
      baselinePlan: {
        version: baselineOpen.plan.version,
        goals: baselineOpen.plan.goals.length,
        actions: baselineOpen.plan.actions.length,
        openBytes: bytes(baselineOpen),
      },
      versions,
      repetitions: size.rounds * size.perRound,
      warmUp: size.warmUp,
      goalP95Ms: GOAL_P95_MS,
      timingsMs: {
        open: compare(times.open),
        openInProcess: compare(times.openInProcess),
        history: compare(times.history),
        versionEarly: compare({ large: times.versionEarly, baseline: times.versionBaseline }),
        versionLate: compare({ large: times.versionLate, baseline: times.versionBaseline }),
      },
      largeOpenMsInOrder: times.open.large.map((ms) => round(ms, 2)),
      failures,
      serverCpuPercent: cpu.server,
      otherProcessesCpuPercent: cpu.others,
    };
    const t = result.timingsMs;

    result.summary =
      `a plan of ${size.plan.goals} goals, ${size.plan.actions} actions and ` +
      `${size.plan.history} history entries opened in p50 ${t.open.large.p50} ms, p95 ` +
      `${t.open.large.p95} ms (max ${t.open.large.max} ms; goal p95 < ${GOAL_P95_MS} ms), ` +
      `${t.open.ratio.p95}x the demo plan at p95; in-process p95 ${t.openInProcess.large.p95} ms; ` +
      `history p95 ${t.history.large.p95} ms; version ${versions.early} p95 ` +
      `${t.versionEarly.large.p95} ms, version ${versions.late} p95 ${t.versionLate.large.p95} ms; ` +
      `${failures} failed; other processes ${cpu.others} % of a core`;

    await writeResult(options.outDir, 'careplan-load', result, loadChart(result));

    return result;
  } finally {
    socket?.close();
    await server.stop();
  }
}

function spread(values: number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);

  return {
    p50: round(percentile(sorted, 50), 2),
    p95: round(percentile(sorted, 95), 2),
    max: round(sorted.at(-1) ?? NaN, 2),
    count: sorted.length,
  };
}

function compare(pair: { large: number[]; baseline: number[] }): Comparison {
  const large = spread(pair.large);
  const baseline = spread(pair.baseline);

  return {
    large,
    baseline,
    ratio: { p50: round(large.p50 / baseline.p50, 1), p95: round(large.p95 / baseline.p95, 1) },
  };
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

function loadChart(result: CarePlanLoadResult): string {
  const t = result.timingsMs;
  const { early, late } = result.versions;
  const pair = (label: string, comparison: Comparison, baselineLabel = 'demo plan') => [
    { label: `${label}, p50`, value: comparison.large.p50 },
    {
      label: `${label}, p95`,
      value: comparison.large.p95,
      note: `${comparison.ratio.p95}x the demo plan`,
    },
    { label: `${label}, max`, value: comparison.large.max, color: COLORS.bare },
    { label: `${baselineLabel}, p95`, value: comparison.baseline.p95, color: COLORS.neutral },
  ];

  return chart({
    title:
      `Loading a care plan of ${result.size.goals} goals, ${result.size.actions} actions and ` +
      `${result.size.history} history entries`,
    subtitle:
      `${result.repetitions} times each after ${result.warmUp} unmeasured, in turn with the ` +
      `same call on the demo plan (${result.baselinePlan.goals} goals, ` +
      `${result.baselinePlan.actions} actions, no history). Opening sends ` +
      `${result.largePlan.openBytes} bytes against ${result.baselinePlan.openBytes}; the ` +
      `history ${result.largePlan.historyBytes}. The plan was built by ` +
      `${result.built.version} applied operations in ${result.built.buildSeconds} s. While ` +
      `measuring, the server used ${result.serverCpuPercent} % of a core and other processes ` +
      `on the machine ${result.otherProcessesCpuPercent} %. ${result.failures} checks failed.`,
    footer: stampLine(result),
    panels: [
      {
        kind: 'bar',
        title: 'Opening the plan',
        unit: 'ms',
        bars: [
          ...pair('careplan:open (socket)', t.open),
          ...pair('CarePlanService.open', t.openInProcess),
        ],
        limit: { value: result.goalP95Ms, label: `goal: p95 < ${result.goalP95Ms} ms` },
      },
      {
        kind: 'bar',
        title: 'Reading the history and old versions (socket)',
        unit: 'ms',
        bars: [
          ...pair('careplan:history', t.history),
          ...pair(
            `version ${early}`,
            t.versionEarly,
            `demo plan version ${result.versions.baseline}`,
          ),
          ...pair(`version ${late}`, t.versionLate).slice(0, 3),
        ],
      },
      {
        kind: 'line',
        title: 'Each careplan:open of the large plan, in order',
        xLabel: 'measured open',
        yLabel: 'ms',
        series: [
          {
            name: 'careplan:open (socket)',
            color: COLORS.teamrom,
            points: result.largeOpenMsInOrder.map((y, i) => ({ x: i + 1, y })),
          },
        ],
        limit: { y: result.goalP95Ms, label: `goal: p95 < ${result.goalP95Ms} ms` },
      },
    ],
  });
}
