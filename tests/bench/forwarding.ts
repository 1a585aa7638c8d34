/**
 * Forwarding capacity of one mediasoup worker: one synthetic sender (VP8-sized video at 1 Mbit/s
 * and Opus-sized audio at 48 kbit/s) forwarded to more and more receivers, each a plain transport
 * with a video and an audio consumer sending to a UDP sink. The number of receivers steps up until
 * the worker's CPU passes 85 % or loss passes 1 %. The same load runs through Teamrom's media node
 * and through bare mediasoup calls, and the two are compared.
 *
 * All traffic stays on 127.0.0.1. Linux only: CPU and socket drops are read from /proc.
 */
import { performance } from 'node:perf_hooks';

import type { BenchOptions } from './lib/report.ts';
import { round, sleep, stamp, stampLine, writeResult } from './lib/report.ts';
import { chart, COLORS } from './lib/svg.ts';
import type { ForwardingPath, PathName, PortRange } from './forwarding/paths.ts';
import { openPath } from './forwarding/paths.ts';
import { backlogDrops, cpuSeconds, machineBusySeconds, udpDrops, watchCpu } from './lib/procfs.ts';
import { AUDIO, BITRATES, PACKETS_PER_SECOND, SyntheticSender, VIDEO } from './forwarding/rtp.ts';
import { PacketSinks } from './forwarding/sink.ts';

const LIMITS = { workerCpuPercent: 85, lossPercent: 1 };
/** mediasoup's own rule of thumb for WebRTC consumers (with SRTP) on one worker. */
const MEDIASOUP_GUIDANCE_CONSUMERS = 500;
/** The goal for Teamrom's overhead: at least 97 % of bare mediasoup's efficiency. */
const RATIO_GOAL = 0.97;
const CONSUMERS_PER_RECEIVER = 2;
/**
 * One range per worker, each room for the largest step, and apart from the ranges of the
 * integration tests (41000-42999).
 */
const PORTS: Record<PathName, PortRange> = {
  bare: { rtcMinPort: 45000, rtcMaxPort: 46999 },
  teamrom: { rtcMinPort: 47000, rtcMaxPort: 48999 },
};
/** After a window, counting waits until no packet has arrived for this long, at most MAX_GRACE_MS. */
const QUIET_MS = 200;
const MAX_GRACE_MS = 3000;
/** CPU used by other processes during a window, in percent of one core, above which it is marked. */
const CONTENDED_PERCENT = 15;
/**
 * A step that fails a limit while other processes took the CPU is measured again, after a pause:
 * a worker that is not scheduled overflows its ingest socket, and that says nothing about it.
 */
const CONTENDED_RETRIES = 2;
/** Before measuring again, wait up to this long for other processes to go quiet. */
const QUIET_WAIT_MS = 30_000;

const SIZES = {
  full: {
    // Receivers; capacity is only as fine as these steps.
    steps: [50, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200],
    warmupMs: 1000,
    windowMs: 5000,
    sinks: 8,
  },
  smoke: { steps: [2, 4], warmupMs: 500, windowMs: 700, sinks: 2 },
};

export interface ForwardingStep {
  receivers: number;
  consumers: number;
  /** CPU of the worker process, in percent of one core. */
  workerCpuPercent: number;
  cpuPerConsumerPercent: number;
  lossPercent: number;
  packetsExpected: number;
  packetsReceived: number;
  receivedByKind: { video: number; audio: number };
  /** Measurements of this step that were discarded because other processes disturbed them. */
  contendedRetries: number;
  forwardedMbps: number;
  latencyMs: { p50: number; p99: number };
  /** CPU of this benchmark's own process (sender and sinks), in percent of one core. */
  harnessCpuPercent: number;
  /**
   * The kernel's software interrupts, in percent of one core: mostly moving this benchmark's
   * loopback packets between sockets, so it is not counted as other processes.
   */
  kernelSoftirqCpuPercent: number;
  /** CPU of every other process on the machine, in percent of one core. */
  otherProcessesCpuPercent: number;
  /** Other processes took enough CPU to disturb this step. */
  contended: boolean;
  /**
   * Packets the kernel dropped: at full receive buffers of the sinks or of the worker's ingest
   * socket, and at full per-CPU input backlogs that loopback traffic passes through.
   */
  drops: { sinks: number; workerIngest: number; backlog: number };
  withinLimits: boolean;
}

export interface ForwardingPathResult {
  steps: ForwardingStep[];
  stoppedBy: 'cpu' | 'loss' | 'last_step';
  /** The last step within both limits. */
  capacity: { receivers: number; consumers: number; cpuPerConsumerPercent: number | null };
  keyFrameRequests: number;
  keyFramesSent: number;
}

export interface ForwardingResult extends ReturnType<typeof stamp> {
  benchmark: 'forwarding';
  summary: string;
  load: object;
  limits: typeof LIMITS;
  paths: Record<PathName, ForwardingPathResult>;
  /** What a reader should know before trusting the headline, such as a disturbed deciding step. */
  notes: string[];
  headline: {
    consumersPerWorkerCore: Record<PathName, number>;
    cpuPerConsumerPercent: Record<PathName, number | null>;
    lossPercentAtCapacity: Record<PathName, number | null>;
    /** Teamrom's capacity divided by bare mediasoup's, in consumers within both limits. */
    capacityRatio: number | null;
    /**
     * Bare mediasoup's worker CPU divided by Teamrom's at equal load: summed over every step both
     * passed within limits (the headline, steadier than any one step), at the largest of those
     * steps, and step by step. Above 1, Teamrom forwards more cheaply.
     */
    efficiencyRatio: {
      value: number;
      overConsumers: number[];
      atLargest: { value: number; consumers: number };
      byStep: { consumers: number; value: number }[];
    } | null;
    ratioGoal: number;
    mediasoupGuidanceConsumersPerWorker: number;
  };
}

export async function benchForwarding(options: BenchOptions): Promise<ForwardingResult> {
  const size = options.smoke ? SIZES.smoke : SIZES.full;
  const paths = await measureInTurns(size);

  const h = headline(paths);
  const caveats = notes(paths, h);
  const result: ForwardingResult = {
    benchmark: 'forwarding',
    summary:
      `consumers per worker core within limits: Teamrom ${h.consumersPerWorkerCore.teamrom}, ` +
      `bare mediasoup ${h.consumersPerWorkerCore.bare}; CPU per consumer ` +
      `${h.cpuPerConsumerPercent.teamrom} % vs ${h.cpuPerConsumerPercent.bare} %; ` +
      `Teamrom/bare: efficiency ${h.efficiencyRatio?.value ?? 'n/a'}` +
      (h.efficiencyRatio
        ? ` over ${h.efficiencyRatio.overConsumers.length} common steps ` +
          `(${h.efficiencyRatio.atLargest.value} at ${h.efficiencyRatio.atLargest.consumers})`
        : '') +
      ', ' +
      `capacity ${h.capacityRatio ?? 'n/a'} (goal ${h.ratioGoal})` +
      (caveats.length > 0 ? `; NOTE: ${caveats.join('; ')}` : ''),
    ...stamp(options.smoke),
    load: {
      video: {
        codec: 'VP8',
        bitrate: BITRATES.video,
        packetsPerSecond: PACKETS_PER_SECOND.video,
        payloadBytes: VIDEO.payloadBytes,
        packetSpacingMs: VIDEO.packetSpacingMs,
      },
      audio: {
        codec: 'Opus',
        bitrate: BITRATES.audio,
        packetsPerSecond: PACKETS_PER_SECOND.audio,
        payloadBytes: AUDIO.payloadBytes,
      },
      consumersPerReceiver: CONSUMERS_PER_RECEIVER,
      workers: 1,
      windowMs: size.windowMs,
      steps: size.steps,
    },
    limits: LIMITS,
    paths,
    notes: caveats,
    headline: h,
  };

  await writeResult(options.outDir, 'forwarding', result, forwardingChart(result));

  return result;
}

/** One way of forwarding under test, with its own worker, sinks and sender. */
interface Lane {
  path: ForwardingPath;
  sinks: PacketSinks;
  sender: SyntheticSender;
  steps: ForwardingStep[];
  stoppedBy: ForwardingPathResult['stoppedBy'] | null;
}

/**
 * Both paths stay open side by side, and at each step they are measured one right after the other,
 * in alternating order, each with its sender running alone. Drift in the machine (other tenants,
 * clock speed, caches) then falls on both alike instead of on whichever path runs second.
 */
async function measureInTurns(
  size: (typeof SIZES)['full'],
): Promise<Record<PathName, ForwardingPathResult>> {
  const lanes: Lane[] = [];

  try {
    for (const name of ['bare', 'teamrom'] as const) {
      const sinks = await PacketSinks.open(size.sinks);
      const path = await openPath(name, PORTS[name]);
      const sender = await SyntheticSender.open(path.ingest);

      lanes.push({ path, sinks, sender, steps: [], stoppedBy: null });
    }

    for (const [i, receivers] of size.steps.entries()) {
      for (const lane of i % 2 === 0 ? lanes : [...lanes].reverse()) {
        if (!lane.stoppedBy) await measureLaneStep(lane, receivers, size);
      }
      if (lanes.every((lane) => lane.stoppedBy)) break;
    }
  } finally {
    for (const lane of lanes) {
      lane.sender.close();
      await lane.path.close();
      lane.sinks.close();
    }
  }

  return Object.fromEntries(
    lanes.map((lane) => {
      const capacity = lane.steps.filter((s) => s.withinLimits).at(-1);

      return [
        lane.path.name,
        {
          steps: lane.steps,
          stoppedBy: lane.stoppedBy ?? 'last_step',
          capacity: {
            receivers: capacity?.receivers ?? 0,
            consumers: capacity?.consumers ?? 0,
            cpuPerConsumerPercent: capacity?.cpuPerConsumerPercent ?? null,
          },
          keyFrameRequests: lane.sender.keyFrameRequests,
          keyFramesSent: lane.sender.keyFramesSent,
        },
      ];
    }),
  ) as Record<PathName, ForwardingPathResult>;
}

async function measureLaneStep(
  lane: Lane,
  receivers: number,
  size: (typeof SIZES)['full'],
): Promise<void> {
  const { path, sinks, sender } = lane;
  const measure = () =>
    measureStep(path.workerPid, path.ingest.port, sender, sinks, {
      receivers,
      windowMs: size.windowMs,
    });

  await path.growTo(receivers, sinks.ports);
  sender.start();

  try {
    // New video consumers wait for a key frame; the sender answers their PLI at once.
    await sleep(size.warmupMs);

    let step = await measure();

    for (let retry = 1; retry <= CONTENDED_RETRIES && step.contended; retry++) {
      if (step.withinLimits) break;

      process.stderr.write(
        `[forwarding] ${path.name} ${step.consumers} consumers: other processes took ` +
          `${step.otherProcessesCpuPercent} % of a core; measuring again when they are quiet\n`,
      );
      await othersQuiet(path.workerPid);
      step = { ...(await measure()), contendedRetries: retry };
    }

    lane.steps.push(step);
    process.stderr.write(
      `[forwarding] ${path.name.padEnd(7)} ${String(step.consumers).padStart(5)} consumers: ` +
        `worker CPU ${step.workerCpuPercent} %, loss ${step.lossPercent} %, ` +
        `latency p50 ${step.latencyMs.p50} ms p99 ${step.latencyMs.p99} ms, ` +
        `benchmark process CPU ${step.harnessCpuPercent} %, ` +
        `kernel softirq ${step.kernelSoftirqCpuPercent} %, ` +
        `others ${step.otherProcessesCpuPercent} %${step.contended ? ' (CONTENDED)' : ''}\n`,
    );

    if (step.workerCpuPercent > LIMITS.workerCpuPercent) lane.stoppedBy = 'cpu';
    else if (step.lossPercent > LIMITS.lossPercent) lane.stoppedBy = 'loss';
  } finally {
    sender.stop();
  }
}

async function measureStep(
  workerPid: number,
  ingestPort: number,
  sender: SyntheticSender,
  sinks: PacketSinks,
  step: { receivers: number; windowMs: number },
): Promise<ForwardingStep> {
  const sinkPorts = new Set(sinks.ports);
  const ingestPorts = new Set([ingestPort]);
  const snapshot = () => ({
    at: performance.now(),
    sent: { ...sender.sent },
    workerCpu: cpuSeconds(workerPid),
    harnessCpu: cpuSeconds(process.pid),
    machineBusy: machineBusySeconds(),
    sinkDrops: udpDrops(sinkPorts),
    ingestDrops: udpDrops(ingestPorts),
    backlogDrops: backlogDrops(),
  });

  sinks.resetLatency();

  const start = snapshot();

  await sleep(step.windowMs);

  const end = snapshot();

  const countWindow = () =>
    sinks.received('video', start.sent.video, end.sent.video) +
    sinks.received('audio', start.sent.audio, end.sent.audio);
  const packetsReceived = await settledCount(countWindow);

  const seconds = (end.at - start.at) / 1000;
  const percentOfCore = (from: number, to: number) => ((to - from) / seconds) * 100;
  const workerCpuPercent = percentOfCore(start.workerCpu, end.workerCpu);
  const harnessCpuPercent = percentOfCore(start.harnessCpu, end.harnessCpu);
  const softirqCpuPercent = percentOfCore(start.machineBusy.softirq, end.machineBusy.softirq);
  const otherProcessesCpuPercent =
    percentOfCore(start.machineBusy.busy, end.machineBusy.busy) -
    softirqCpuPercent -
    workerCpuPercent -
    harnessCpuPercent;
  const received = {
    video: sinks.received('video', start.sent.video, end.sent.video),
    audio: sinks.received('audio', start.sent.audio, end.sent.audio),
  };
  const expected =
    (end.sent.video - start.sent.video + end.sent.audio - start.sent.audio) * step.receivers;
  const consumers = step.receivers * CONSUMERS_PER_RECEIVER;
  const lossPercent = expected > 0 ? ((expected - packetsReceived) / expected) * 100 : 100;
  const forwardedBits =
    (received.video * VIDEO.payloadBytes + received.audio * AUDIO.payloadBytes) * 8;

  return {
    receivers: step.receivers,
    consumers,
    workerCpuPercent: round(workerCpuPercent),
    cpuPerConsumerPercent: round(workerCpuPercent / consumers, 4),
    lossPercent: round(lossPercent, 3),
    packetsExpected: expected,
    packetsReceived,
    receivedByKind: received,
    contendedRetries: 0,
    forwardedMbps: round(forwardedBits / seconds / 1e6),
    latencyMs: {
      p50: round(sinks.latencyPercentile(50), 2),
      p99: round(sinks.latencyPercentile(99), 2),
    },
    harnessCpuPercent: round(harnessCpuPercent),
    kernelSoftirqCpuPercent: round(softirqCpuPercent),
    // /proc/stat counts in 10 ms ticks, so a small negative remainder is rounding.
    otherProcessesCpuPercent: round(Math.max(0, otherProcessesCpuPercent)),
    contended: otherProcessesCpuPercent > CONTENDED_PERCENT,
    drops: {
      sinks: end.sinkDrops - start.sinkDrops,
      workerIngest: end.ingestDrops - start.ingestDrops,
      backlog: end.backlogDrops - start.backlogDrops,
    },
    withinLimits: workerCpuPercent <= LIMITS.workerCpuPercent && lossPercent <= LIMITS.lossPercent,
  };
}

/** Waits until processes other than the worker and this one use little CPU, or QUIET_WAIT_MS. */
async function othersQuiet(workerPid: number): Promise<void> {
  const deadline = performance.now() + QUIET_WAIT_MS;

  while (performance.now() < deadline) {
    const watch = watchCpu([workerPid, process.pid]);

    await sleep(1000);
    if (watch().othersPercent < CONTENDED_PERCENT) return;
  }
}

/**
 * Counts the window's packets once no more of them have arrived for QUIET_MS, so that packets
 * delayed in queues still count; a packet later than MAX_GRACE_MS counts as lost.
 */
async function settledCount(count: () => number): Promise<number> {
  const deadline = performance.now() + MAX_GRACE_MS;
  let previous = -1;
  let current = count();

  while (current !== previous && performance.now() < deadline) {
    await sleep(QUIET_MS);
    previous = current;
    current = count();
  }

  return current;
}

function headline(paths: Record<PathName, ForwardingPathResult>): ForwardingResult['headline'] {
  const { teamrom, bare } = paths;
  const atCapacity = (path: ForwardingPathResult) =>
    path.steps.find((s) => s.receivers === path.capacity.receivers && s.withinLimits) ?? null;
  // Loads both passed within limits are where their costs compare.
  const pairs = teamrom.steps.flatMap((t) => {
    const b = bare.steps.find((b) => b.receivers === t.receivers);

    return b && t.withinLimits && b.withinLimits && t.workerCpuPercent > 0 ? [{ t, b }] : [];
  });
  const sum = (steps: ForwardingStep[]) => steps.reduce((n, s) => n + s.workerCpuPercent, 0);
  const largest = pairs.at(-1);

  return {
    // One worker is one core: a worker runs a single thread.
    consumersPerWorkerCore: { teamrom: teamrom.capacity.consumers, bare: bare.capacity.consumers },
    cpuPerConsumerPercent: {
      teamrom: teamrom.capacity.cpuPerConsumerPercent,
      bare: bare.capacity.cpuPerConsumerPercent,
    },
    lossPercentAtCapacity: {
      teamrom: atCapacity(teamrom)?.lossPercent ?? null,
      bare: atCapacity(bare)?.lossPercent ?? null,
    },
    capacityRatio:
      bare.capacity.consumers > 0
        ? round(teamrom.capacity.consumers / bare.capacity.consumers, 3)
        : null,
    efficiencyRatio: largest
      ? {
          value: round(sum(pairs.map((p) => p.b)) / sum(pairs.map((p) => p.t)), 3),
          overConsumers: pairs.map((p) => p.t.consumers),
          atLargest: {
            value: round(largest.b.workerCpuPercent / largest.t.workerCpuPercent, 3),
            consumers: largest.t.consumers,
          },
          byStep: pairs.map(({ t, b }) => ({
            consumers: t.consumers,
            value: round(b.workerCpuPercent / t.workerCpuPercent, 3),
          })),
        }
      : null,
    ratioGoal: RATIO_GOAL,
    mediasoupGuidanceConsumersPerWorker: MEDIASOUP_GUIDANCE_CONSUMERS,
  };
}

/** Flags the steps that decided a figure but were measured while other processes took the CPU. */
function notes(
  paths: Record<PathName, ForwardingPathResult>,
  h: ForwardingResult['headline'],
): string[] {
  const found: string[] = [];
  const disturbed = (step: ForwardingStep | undefined) =>
    step?.contended ? `other processes used ${step.otherProcessesCpuPercent} % of a core` : null;

  for (const name of ['teamrom', 'bare'] as const) {
    const path = paths[name];
    const last = path.steps.at(-1);

    if (path.stoppedBy !== 'last_step' && disturbed(last)) {
      found.push(
        `${name} stopped at ${last!.consumers} consumers (${path.stoppedBy}) while ` +
          `${disturbed(last)}, after ${last!.contendedRetries} retries`,
      );
    }
  }

  for (const consumers of h.efficiencyRatio?.overConsumers ?? []) {
    for (const name of ['teamrom', 'bare'] as const) {
      const step = paths[name].steps.find((s) => s.consumers === consumers);

      if (disturbed(step)) {
        found.push(
          `the efficiency ratio includes ${consumers} consumers, where ${name} was measured ` +
            `while ${disturbed(step)}`,
        );
      }
    }
  }

  return found;
}

function forwardingChart(result: ForwardingResult): string {
  const { headline: h, paths } = result;
  const series = (metric: 'workerCpuPercent' | 'lossPercent') =>
    // Bare first and dashed, so that Teamrom's line on top leaves it visible where they agree.
    (['bare', 'teamrom'] as const).map((name) => ({
      name: name === 'teamrom' ? "Teamrom's media node" : 'bare mediasoup',
      color: COLORS[name],
      dashed: name === 'bare',
      points: paths[name].steps.map((s) => ({ x: s.consumers, y: Math.max(0, s[metric]) })),
    }));
  const ratio = h.efficiencyRatio
    ? `Teamrom/bare efficiency (bare's CPU / Teamrom's at equal load, ` +
      `${h.efficiencyRatio.overConsumers.length} steps): ${h.efficiencyRatio.value}, goal ≥ ` +
      `${h.ratioGoal}`
    : 'no common step within limits to compare';

  return chart({
    title: 'Forwarding capacity of one mediasoup worker (one CPU core)',
    subtitle:
      'One sender (VP8 1 Mbit/s + Opus 48 kbit/s) to more and more receivers. ' +
      `Capacity within limits: Teamrom ${h.consumersPerWorkerCore.teamrom}, ` +
      `bare ${h.consumersPerWorkerCore.bare} consumers per core. ${ratio}.`,
    footer: stampLine(result),
    panels: [
      {
        kind: 'line',
        title: 'Worker CPU (one core)',
        xLabel: 'consumers (2 per receiver: video + audio)',
        yLabel: 'CPU %',
        series: series('workerCpuPercent'),
        limit: { y: LIMITS.workerCpuPercent, label: `stop at ${LIMITS.workerCpuPercent} %` },
      },
      {
        kind: 'line',
        title: 'Packets lost between sender and receivers',
        xLabel: 'consumers',
        yLabel: 'loss %',
        series: series('lossPercent'),
        limit: { y: LIMITS.lossPercent, label: `stop at ${LIMITS.lossPercent} %` },
      },
    ],
  });
}
