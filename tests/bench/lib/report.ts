import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { REPO_ROOT } from '../../lib/teamrom.ts';

/** Where `npm run bench` leaves its results; the smoke test passes a temporary directory. */
export const DEFAULT_RESULTS_DIR = path.join(REPO_ROOT, 'bench-results');

/** What every benchmark is given: where to write, and whether to run at smoke size. */
export interface BenchOptions {
  outDir: string;
  /** A tiny run that proves the benchmark still works; its figures mean nothing. */
  smoke: boolean;
}

/** The machine and code a figure was measured on; a figure without it cannot be compared. */
export interface Stamp {
  machine: {
    cores: number;
    cpuModel: string;
    memoryGiB: number;
    platform: string;
    node: string;
  };
  /** The machine's 1, 5 and 15 minute load averages when the benchmark finished. */
  loadAverage: number[];
  commit: string;
  /** True when the working tree had uncommitted changes, so the commit alone does not say it all. */
  dirty: boolean;
  at: string;
  smoke: boolean;
}

export function stamp(smoke: boolean): Stamp {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
        .toString()
        .trim();
    } catch {
      return null;
    }
  };
  const status = git('status', '--porcelain');

  return {
    machine: {
      cores: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
    },
    loadAverage: os.loadavg().map((load) => round(load, 2)),
    commit: git('rev-parse', '--short', 'HEAD') ?? 'unknown',
    dirty: status === null ? false : status.length > 0,
    at: new Date().toISOString(),
    smoke,
  };
}

/** One line for the foot of a chart. */
export function stampLine(s: Stamp): string {
  const commit = s.dirty ? `${s.commit} + uncommitted changes` : s.commit;

  return (
    `${s.machine.cores} cores (${s.machine.cpuModel}), ${s.machine.memoryGiB} GiB, ` +
    `load ${s.loadAverage[0]}, commit ${commit}, ${s.at.slice(0, 16).replace('T', ' ')} UTC` +
    (s.smoke ? ', SMOKE RUN' : '')
  );
}

/** Nearest-rank percentile of numbers sorted in ascending order. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;

  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  ]!;
}

export function round(value: number, digits = 1): number {
  const factor = 10 ** digits;

  return Math.round(value * factor) / factor;
}

/** Writes `<name>.json` and `<name>.svg` and returns their paths. */
export async function writeResult(
  outDir: string,
  name: string,
  result: object,
  svg: string,
): Promise<{ json: string; svg: string }> {
  const files = { json: path.join(outDir, `${name}.json`), svg: path.join(outDir, `${name}.svg`) };

  await mkdir(outDir, { recursive: true });
  await writeFile(files.json, JSON.stringify(result, null, 2) + '\n');
  await writeFile(files.svg, svg);

  return files;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
