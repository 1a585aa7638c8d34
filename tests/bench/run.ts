/**
 * Teamrom's benchmark suite. Each benchmark writes bench-results/<name>.json and <name>.svg,
 * stamped with the machine and commit.
 *
 *   npm run bench                                              set up, then every benchmark
 *   node --import tsx tests/bench/run.ts forwarding join-storm only those
 *   BENCH_SMOKE=1 node --import tsx tests/bench/run.ts         tiny sizes, as `npm test` runs them
 *   BENCH_RESULTS_DIR=/tmp/x ...                               write elsewhere
 */
import type { BenchmarkName } from './benchmarks.ts';
import { BENCHMARKS } from './benchmarks.ts';
import type { BenchOptions } from './lib/report.ts';
import { DEFAULT_RESULTS_DIR } from './lib/report.ts';

const known = Object.keys(BENCHMARKS) as BenchmarkName[];
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !known.includes(name as BenchmarkName));

if (unknown.length > 0) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${known.join(', ')}`);
  process.exit(2);
}

const options: BenchOptions = {
  outDir: process.env.BENCH_RESULTS_DIR ?? DEFAULT_RESULTS_DIR,
  smoke: process.env.BENCH_SMOKE === '1',
};
const summaries: string[] = [];
const started = Date.now();

for (const name of asked.length > 0 ? (asked as BenchmarkName[]) : known) {
  process.stderr.write(`\n[bench] ${name}\n`);

  const result = await BENCHMARKS[name](options);

  summaries.push(`${name}: ${result.summary}`);
}

console.log(`\n${summaries.join('\n')}`);
console.log(`\nresults in ${options.outDir} after ${Math.round((Date.now() - started) / 1000)} s`);
