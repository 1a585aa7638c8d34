/**
 * What it costs when a room spreads over two workers: one synthetic sender (VP8-sized video at
 * 1 Mbit/s and Opus-sized audio) forwarded to the same number of receivers two ways, measured in
 * the same run, in alternating turns:
 *
 *   local  one worker; every receiver on the sender's worker (the baseline);
 *   piped  two workers, the media node's limit of consumers per worker set so that half the
 *          receivers are on the sender's worker ("near") and half on the other ("far"), which get
 *          the sender's streams through a pipe (mediasoup's pipeToRouter).
 *
 * Figures are ratios against the baseline of the same run: the CPU of both workers of the piped
 * room over the one worker of the local room, and the forwarding latency of far receivers over
 * near ones (same room, same moment). Nothing is asserted about speed.
 *
 * All traffic stays on 127.0.0.1. Linux only: CPU is read from /proc.
 */
import { performance } from 'node:perf_hooks';

import * as mediasoup from 'mediasoup';
import { pino } from 'pino';

import { LocalMediaNode } from '../../sfu-server/src/index.ts';
import type { BenchOptions } from './lib/report.ts';
import { round, sleep, stamp, stampLine, writeResult } from './lib/report.ts';
import { COLORS, chart } from './lib/svg.ts';
import { cpuSeconds } from './lib/procfs.ts';
import type { StreamKind } from './forwarding/rtp.ts';
import { producerRtpParameters, SyntheticSender } from './forwarding/rtp.ts';
import { PacketSinks } from './forwarding/sink.ts';

type LaneName = 'local' | 'piped';

const LOOPBACK = '127.0.0.1';
const KINDS: StreamKind[] = ['video', 'audio'];
const CONSUMERS_PER_RECEIVER = 2;
/** Apart from the integration tests' ranges and the forwarding benchmark's (45000-48999). */
const PORTS: Record<LaneName, { rtcMinPort: number; rtcMaxPort: number }> = {
  local: { rtcMinPort: 43000, rtcMaxPort: 43999 },
  piped: { rtcMinPort: 44000, rtcMaxPort: 44999 },
};
/** Late packets still count if they arrive within this long after a window. */
const GRACE_MS = 500;

const SIZES = {
  full: { receivers: 200, rounds: 4, warmupMs: 1500, windowMs: 5000, sinks: 4 },
  smoke: { receivers: 4, rounds: 1, warmupMs: 500, windowMs: 700, sinks: 2 },
};

interface Latency {
  p50: number;
  p99: number;
}

export interface PipeRound {
  lane: LaneName;
  /** Both workers of the piped room, the one of the local room; percent of one core. */
  cpuPercent: number;
  cpuByWorkerPercent: number[];
  lossPercent: number;
  /** Receivers on the sender's worker. */
  near: { receivers: number; latencyMs: Latency };
  /** Receivers on the other worker, fed through the pipe; none in the local room. */
  far: { receivers: number; latencyMs: Latency } | null;
}

export interface PipeOverheadResult extends ReturnType<typeof stamp> {
  benchmark: 'pipe-overhead';
  summary: string;
  load: { receivers: number; consumers: number; rounds: number; windowMs: number };
  rounds: PipeRound[];
  headline: {
    /** Piped room's CPU over the local room's, summed over the rounds. Above 1 costs more. */
    cpuRatio: number;
    /** The piped room's extra CPU, in percent of one core, mean per round. */
    extraCpuPercent: number;
    /** Far receivers' p50 latency over near ones', and the difference in ms (piped room). */
    latencyRatioP50: number;
    extraLatencyMsP50: number;
    extraLatencyMsP99: number;
    /** The local room's near-receiver latency, for reference. */
    localLatencyMs: Latency;
  };
}

export async function benchPipeOverhead(options: BenchOptions): Promise<PipeOverheadResult> {
  const size = options.smoke ? SIZES.smoke : SIZES.full;
  const workerOfTransport = watchTransports();
  const lanes: Lane[] = [];
  const rounds: PipeRound[] = [];

  try {
    lanes.push(await openLane('local', size, workerOfTransport));
    lanes.push(await openLane('piped', size, workerOfTransport));

    for (let round = 0; round < size.rounds; round++) {
      for (const lane of round % 2 === 0 ? lanes : [...lanes].reverse()) {
        const measured = await measureRound(lane, size);

        rounds.push(measured);
        process.stderr.write(
          `[pipe-overhead] ${lane.name.padEnd(5)} CPU ${measured.cpuPercent} % ` +
            `(${measured.cpuByWorkerPercent.join(' + ')}), loss ${measured.lossPercent} %, ` +
            `near p50 ${measured.near.latencyMs.p50} ms` +
            (measured.far ? `, far p50 ${measured.far.latencyMs.p50} ms` : '') +
            '\n',
        );
      }
    }
  } finally {
    for (const lane of lanes) await lane.close();
  }

  const h = headline(rounds);
  const result: PipeOverheadResult = {
    benchmark: 'pipe-overhead',
    summary:
      `a room over two workers uses ${h.cpuRatio}x the CPU of one worker for the same ` +
      `${size.receivers} receivers (+${h.extraCpuPercent} % of a core); piped receivers get ` +
      `media ${h.extraLatencyMsP50} ms later at p50 (${h.latencyRatioP50}x), ` +
      `${h.extraLatencyMsP99} ms at p99`,
    ...stamp(options.smoke),
    load: {
      receivers: size.receivers,
      consumers: size.receivers * CONSUMERS_PER_RECEIVER,
      rounds: size.rounds,
      windowMs: size.windowMs,
    },
    rounds,
    headline: h,
  };

  await writeResult(options.outDir, 'pipe-overhead', result, pipeChart(result));

  return result;
}

interface Lane {
  name: LaneName;
  node: LocalMediaNode;
  sender: SyntheticSender;
  near: PacketSinks;
  far: PacketSinks;
  receivers: { near: number; far: number };
  close(): Promise<void>;
}

/** Which worker each transport's router is on, through mediasoup's observer API. */
function watchTransports(): Map<string, number> {
  const workerOf = new Map<string, number>();

  mediasoup.observer.on('newworker', (worker) => {
    worker.observer.on('newrouter', (router) => {
      router.observer.on('newtransport', (t) => workerOf.set(t.id, worker.pid));
    });
  });

  return workerOf;
}

async function openLane(
  name: LaneName,
  size: (typeof SIZES)['full'],
  workerOfTransport: Map<string, number>,
): Promise<Lane> {
  const half = Math.floor(size.receivers / 2);
  const node = await LocalMediaNode.create(
    {
      numWorkers: name === 'local' ? 1 : 2,
      listenIp: LOOPBACK,
      logLevel: 'warn',
      // The piped room fills the sender's worker with half the receivers, then spreads.
      maxConsumersPerWorker:
        name === 'local' ? size.receivers * CONSUMERS_PER_RECEIVER : half * CONSUMERS_PER_RECEIVER,
      ...PORTS[name],
    },
    pino({ level: 'silent' }),
  );
  const near = await PacketSinks.open(size.sinks);
  const far = await PacketSinks.open(size.sinks);
  const roomId = `pipe-${name}`;
  const sender = { roomId, peerId: 'sender' };
  const { rtpCapabilities } = await node.openRoom(roomId);
  const ingest = await node.createPlainTransport({ ...sender, comedia: true });
  const senderWorker = workerOfTransport.get(ingest.id);
  const producerIds: string[] = [];
  const receivers = { near: 0, far: 0 };

  for (const kind of KINDS) {
    const { producerId } = await node.produce({
      ...sender,
      transportId: ingest.id,
      kind,
      rtpParameters: producerRtpParameters(kind),
      source: kind === 'video' ? 'camera' : 'microphone',
    });

    producerIds.push(producerId);
  }

  for (let i = 0; i < size.receivers; i++) {
    const peer = { roomId, peerId: `receiver-${i}` };
    const transport = await node.createPlainTransport(peer);
    const isNear = workerOfTransport.get(transport.id) === senderWorker;
    const sinks = isNear ? near : far;

    receivers[isNear ? 'near' : 'far']++;
    await node.connectPlainTransport({
      ...peer,
      transportId: transport.id,
      ip: LOOPBACK,
      port: sinks.ports[i % sinks.ports.length]!,
    });
    for (const producerId of producerIds) {
      const consumer = await node.consume({
        ...peer,
        transportId: transport.id,
        producerId,
        rtpCapabilities,
      });

      await node.resumeConsumer({ ...peer, consumerId: consumer.consumerId });
    }
  }

  const expectedFar = name === 'local' ? 0 : size.receivers - half;

  if (receivers.far !== expectedFar) {
    throw new Error(
      `${name} room: ${receivers.far} receivers on another worker, expected ${expectedFar}`,
    );
  }

  const synthetic = await SyntheticSender.open(ingest);

  return {
    name,
    node,
    sender: synthetic,
    near,
    far,
    receivers,
    async close() {
      synthetic.close();
      await node.close();
      near.close();
      far.close();
    },
  };
}

async function measureRound(lane: Lane, size: (typeof SIZES)['full']): Promise<PipeRound> {
  const pids = lane.node.workerPids();

  lane.sender.start();
  try {
    await sleep(size.warmupMs);
    lane.near.resetLatency();
    lane.far.resetLatency();

    const startedAt = performance.now();
    const sentBefore = { ...lane.sender.sent };
    const cpuBefore = pids.map(cpuSeconds);

    await sleep(size.windowMs);

    const seconds = (performance.now() - startedAt) / 1000;
    const cpuByWorker = pids.map((pid, i) => ((cpuSeconds(pid) - cpuBefore[i]!) / seconds) * 100);
    const sentAfter = { ...lane.sender.sent };

    await sleep(GRACE_MS);

    const count = (sinks: PacketSinks) =>
      KINDS.reduce((n, kind) => n + sinks.received(kind, sentBefore[kind], sentAfter[kind]), 0);
    const sent = KINDS.reduce((n, kind) => n + sentAfter[kind] - sentBefore[kind], 0);
    const expected = sent * (lane.receivers.near + lane.receivers.far);
    const received = count(lane.near) + count(lane.far);
    const latency = (sinks: PacketSinks): Latency => ({
      p50: round(sinks.latencyPercentile(50), 2),
      p99: round(sinks.latencyPercentile(99), 2),
    });

    return {
      lane: lane.name,
      cpuPercent: round(cpuByWorker.reduce((a, b) => a + b, 0)),
      cpuByWorkerPercent: cpuByWorker.map((c) => round(c)),
      lossPercent: round(expected > 0 ? ((expected - received) / expected) * 100 : 100, 3),
      near: { receivers: lane.receivers.near, latencyMs: latency(lane.near) },
      far:
        lane.receivers.far > 0
          ? { receivers: lane.receivers.far, latencyMs: latency(lane.far) }
          : null,
    };
  } finally {
    lane.sender.stop();
  }
}

function headline(rounds: PipeRound[]): PipeOverheadResult['headline'] {
  const of = (lane: LaneName) => rounds.filter((r) => r.lane === lane);
  const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
  const mean = (values: number[]) => (values.length > 0 ? sum(values) / values.length : 0);
  const local = of('local');
  const piped = of('piped');
  const nearP50 = mean(piped.map((r) => r.near.latencyMs.p50));
  const farP50 = mean(piped.map((r) => r.far?.latencyMs.p50 ?? 0));

  return {
    cpuRatio: round(sum(piped.map((r) => r.cpuPercent)) / sum(local.map((r) => r.cpuPercent)), 3),
    extraCpuPercent: round(
      mean(piped.map((r) => r.cpuPercent)) - mean(local.map((r) => r.cpuPercent)),
    ),
    latencyRatioP50: round(farP50 / nearP50, 3),
    extraLatencyMsP50: round(farP50 - nearP50, 3),
    extraLatencyMsP99: round(
      mean(piped.map((r) => (r.far?.latencyMs.p99 ?? 0) - r.near.latencyMs.p99)),
      3,
    ),
    localLatencyMs: {
      p50: round(mean(local.map((r) => r.near.latencyMs.p50)), 2),
      p99: round(mean(local.map((r) => r.near.latencyMs.p99)), 2),
    },
  };
}

function pipeChart(result: PipeOverheadResult): string {
  const { headline: h, load } = result;
  const meanOf = (lane: LaneName, pick: (r: PipeRound) => number) => {
    const rounds = result.rounds.filter((r) => r.lane === lane);

    return round(rounds.reduce((n, r) => n + pick(r), 0) / Math.max(1, rounds.length), 2);
  };

  return chart({
    title: 'A room over two workers (pipeToRouter) against one worker',
    subtitle:
      `One sender to ${load.receivers} receivers (${load.consumers} consumers), ` +
      `${load.rounds} alternating rounds. CPU ratio ${h.cpuRatio}; piped receivers ` +
      `+${h.extraLatencyMsP50} ms at p50.`,
    footer: stampLine(result),
    panels: [
      {
        kind: 'bar',
        title: 'Worker CPU, all workers of the room (percent of one core)',
        unit: '%',
        bars: [
          { label: 'one worker', value: meanOf('local', (r) => r.cpuPercent), color: COLORS.bare },
          {
            label: 'two workers, piped',
            value: meanOf('piped', (r) => r.cpuPercent),
            color: COLORS.teamrom,
          },
        ],
      },
      {
        kind: 'bar',
        title: 'Forwarding latency at p50 (ms)',
        unit: 'ms',
        bars: [
          {
            label: 'one worker',
            value: meanOf('local', (r) => r.near.latencyMs.p50),
            color: COLORS.bare,
          },
          {
            label: "piped room, sender's worker",
            value: meanOf('piped', (r) => r.near.latencyMs.p50),
            color: COLORS.neutral,
          },
          {
            label: 'piped room, other worker',
            value: meanOf('piped', (r) => r.far?.latencyMs.p50 ?? 0),
            color: COLORS.teamrom,
          },
        ],
      },
    ],
  });
}
