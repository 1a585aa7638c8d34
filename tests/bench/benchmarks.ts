import { benchCarePlanFanout } from './careplan-fanout.ts';
import { benchCarePlanLoad } from './careplan-load.ts';
import { benchForwarding } from './forwarding.ts';
import { benchJoinStorm } from './join-storm.ts';
import { benchJoinStormCluster } from './join-storm-cluster.ts';
import { benchJoinTime } from './join-time.ts';
import type { BenchOptions } from './lib/report.ts';
import { benchPipeOverhead } from './pipe-overhead.ts';
import { benchWebWeight } from './web-weight.ts';

export type BenchmarkName = keyof typeof BENCHMARKS;

/** Every benchmark of the suite, in the order `npm run bench` runs them. */
export const BENCHMARKS = {
  forwarding: benchForwarding,
  'pipe-overhead': benchPipeOverhead,
  'join-time': benchJoinTime,
  'join-storm': benchJoinStorm,
  'join-storm-cluster': benchJoinStormCluster,
  'careplan-fanout': benchCarePlanFanout,
  'careplan-load': benchCarePlanLoad,
  'web-weight': benchWebWeight,
} satisfies Record<string, (options: BenchOptions) => Promise<{ summary: string }>>;
