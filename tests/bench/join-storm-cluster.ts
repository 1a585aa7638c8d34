/**
 * The join storm over a cluster: 400 Socket.io clients, each a different member of the patient's
 * care team, join one meeting through nginx, half of them pinned to signalling node a and half to
 * node b by the load balancer's cookie, starting evenly spread over 2 seconds (the per-node rate of
 * the single-node storm). The cluster is tests/lib/cluster.ts: two signalling nodes sharing
 * PostgreSQL and Redis, two media nodes. No media is set up: this measures signalling, the shared
 * roster over Redis, access checks and the audit trail. Reports failures and the time from
 * emitting `meeting:join` to its acknowledgement, per node and in all.
 */
import { performance } from 'node:perf_hooks';

import pg from 'pg';
import type { Socket } from 'socket.io-client';

import { TokenService } from '../../signaling/src/auth/tokens.ts';
import { DEMO } from '../../signaling/src/demo/seed.ts';
import type { SignallingName } from '../lib/cluster.ts';
import { startCluster } from '../lib/cluster.ts';
import type { Attempt } from './join-storm.ts';
import { joinOnce } from './join-storm.ts';
import type { BenchOptions } from './lib/report.ts';
import { percentile, round, sleep, stamp, stampLine, writeResult } from './lib/report.ts';
import { chart, COLORS } from './lib/svg.ts';
import { watchCpu } from './lib/procfs.ts';
import { addSyntheticCareTeam } from './server/syntheticTeam.ts';

const SIZES = { full: { clients: 400, spreadMs: 2000 }, smoke: { clients: 10, spreadMs: 200 } };
const TOKEN_SECONDS = 3600;
const NODES: SignallingName[] = ['a', 'b'];

interface Spread {
  p50: number;
  p95: number;
  max: number;
}

export interface JoinStormClusterResult extends ReturnType<typeof stamp> {
  benchmark: 'join-storm-cluster';
  summary: string;
  clients: number;
  spreadMs: number;
  signallingNodes: number;
  failures: number;
  failureReasons: Record<string, number>;
  joinAckMs: Spread;
  connectMs: Spread;
  /** Per signalling node: clients sent there, failures, and acknowledgement times. */
  perNode: Record<SignallingName, { clients: number; failures: number; joinAckMs: Spread }>;
  /** From the first client starting to the last acknowledgement. */
  stormMs: number;
  /** Socket.io connections each node holds at the end (each client pinned to one node). */
  connectionsAtEnd: Record<SignallingName, number>;
  /** CPU of each signalling node during the storm, in percent of one core. */
  signallingCpuPercent: Record<SignallingName, number>;
  /** CPU of every other process (Redis, PostgreSQL, nginx, media nodes) but the clients. */
  otherProcessesCpuPercent: number;
}

export async function benchJoinStormCluster(
  options: BenchOptions,
): Promise<JoinStormClusterResult> {
  const size = options.smoke ? SIZES.smoke : SIZES.full;
  // Quiet logs: one info line per join on each node would be measured as well.
  const cluster = await startCluster({ signallingEnv: { LOG_LEVEL: 'warn' } });
  const sockets: Socket[] = [];
  let attempts: (Attempt & { node: SignallingName })[];
  let stormMs: number;
  let cpu: { a: number; b: number; others: number };
  let connectionsAtEnd: Record<SignallingName, number>;

  try {
    const db = new pg.Client({ connectionString: cluster.databaseUrl });

    await db.connect();

    let people: string[];

    try {
      await db.query('begin');
      people = await addSyntheticCareTeam((sql, params) => db.query(sql, params), size.clients);
      await db.query('commit');
    } finally {
      await db.end();
    }

    const tokens = new TokenService(cluster.jwtSecret);
    const pids = NODES.map((node) => cluster.signalling[node].pid()!);
    const cpuOf = NODES.map((_, i) => watchCpu([pids[i]!]));
    const othersCpu = watchCpu([...pids, process.pid]);
    const started = performance.now();

    attempts = await Promise.all(
      people.map(async (personId, i) => {
        const node = NODES[i % NODES.length]!;
        const token = tokens.sign({ sub: personId, role: 'nurse' }, TOKEN_SECONDS);

        await sleep((i * size.spreadMs) / size.clients);

        const attempt = await joinOnce(cluster.url, DEMO.meetingId, token, sockets, {
          cookie: `teamrom_node=${node}`,
        });

        return { ...attempt, node };
      }),
    );
    stormMs = performance.now() - started;
    cpu = {
      a: cpuOf[0]!().ownPercent,
      b: cpuOf[1]!().ownPercent,
      others: othersCpu().othersPercent,
    };
    connectionsAtEnd = {
      a: await connections(cluster.signalling.a.url),
      b: await connections(cluster.signalling.b.url),
    };
  } finally {
    for (const socket of sockets) socket.close();
    await cluster.stop();
  }

  const failures = attempts.filter((a) => !a.ok);
  const failureReasons: Record<string, number> = {};

  for (const failure of failures) {
    const key = `${failure.failedAt}: ${failure.reason}`;

    failureReasons[key] = (failureReasons[key] ?? 0) + 1;
  }

  const spread = (values: number[]): Spread => {
    const sorted = values.sort((a, b) => a - b);

    return {
      p50: round(percentile(sorted, 50)),
      p95: round(percentile(sorted, 95)),
      max: round(sorted.at(-1) ?? NaN),
    };
  };
  const acks = (of: typeof attempts) => of.flatMap((a) => (a.ackMs === undefined ? [] : [a.ackMs]));
  const perNode = Object.fromEntries(
    NODES.map((node) => {
      const mine = attempts.filter((a) => a.node === node);

      return [
        node,
        {
          clients: mine.length,
          failures: mine.filter((a) => !a.ok).length,
          joinAckMs: spread(acks(mine)),
        },
      ];
    }),
  ) as JoinStormClusterResult['perNode'];
  const joinAckMs = spread(acks(attempts));
  const connectMs = spread(
    attempts.flatMap((a) => (a.connectMs === undefined ? [] : [a.connectMs])),
  );
  const result: JoinStormClusterResult = {
    benchmark: 'join-storm-cluster',
    summary:
      `${size.clients} clients over ${NODES.length} signalling nodes joining within ` +
      `${size.spreadMs / 1000} s: ${failures.length} failed; meeting:join acknowledged in ` +
      `p50 ${joinAckMs.p50} ms, p95 ${joinAckMs.p95} ms (max ${joinAckMs.max} ms)`,
    ...stamp(options.smoke),
    clients: size.clients,
    spreadMs: size.spreadMs,
    signallingNodes: NODES.length,
    failures: failures.length,
    failureReasons,
    joinAckMs,
    connectMs,
    perNode,
    stormMs: round(stormMs),
    connectionsAtEnd,
    signallingCpuPercent: { a: cpu.a, b: cpu.b },
    otherProcessesCpuPercent: cpu.others,
  };

  await writeResult(options.outDir, 'join-storm-cluster', result, stormChart(result));

  return result;
}

/** Socket.io connections a node holds, from its own metrics. */
async function connections(nodeUrl: string): Promise<number> {
  try {
    const text = await (await fetch(`${nodeUrl}/metrics`)).text();
    const match = /^teamrom_socketio_connections\s+(\d+)/m.exec(text);

    return match ? Number(match[1]) : -1;
  } catch {
    return -1;
  }
}

function stormChart(result: JoinStormClusterResult): string {
  return chart({
    title:
      `Join storm over ${result.signallingNodes} signalling nodes: ${result.clients} people ` +
      `join one meeting within ${result.spreadMs / 1000} s`,
    subtitle:
      `${result.failures} failed (goal: none). During the storm node a used ` +
      `${result.signallingCpuPercent.a} % of a core, node b ${result.signallingCpuPercent.b} %, ` +
      `Redis, PostgreSQL, nginx and the media nodes ${result.otherProcessesCpuPercent} %.`,
    footer: stampLine(result),
    panels: [
      {
        kind: 'bar',
        title: 'Time from emitting meeting:join to its acknowledgement, all clients',
        unit: 'ms',
        bars: [
          { label: 'p50', value: result.joinAckMs.p50 },
          { label: 'p95', value: result.joinAckMs.p95 },
          { label: 'slowest', value: result.joinAckMs.max, color: COLORS.bare },
        ],
      },
      {
        kind: 'bar',
        title: 'p95 of the acknowledgement, per signalling node',
        unit: 'ms',
        bars: NODES.map((node) => ({
          label: `node ${node}`,
          value: result.perNode[node].joinAckMs.p95,
        })),
      },
    ],
  });
}
