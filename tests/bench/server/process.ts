import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { REPO_ROOT } from '../../lib/teamrom.ts';

export interface BenchServer {
  url: string;
  meetingId: string;
  planId: string;
  /** One token per synthetic care-team member, each a different person. */
  tokens: string[];
  /** The server process, for reading its CPU. */
  pid: number;
  stop(): Promise<void>;
}

/** Starts tests/bench/server/main.ts as a child process and waits for its first line. */
export async function startBenchServer(syntheticPeople: number): Promise<BenchServer> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(REPO_ROOT, 'tests', 'bench', 'server', 'main.ts')],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, SYNTHETIC_PEOPLE: String(syntheticPeople) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';

  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const exited = once(child, 'exit');
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout! }), 'line'),
    exited.then(([code]) => {
      throw new Error(`the benchmark server exited with ${code}: ${stderr.slice(-2000)}`);
    }),
  ])) as [string];

  return {
    ...(JSON.parse(line) as Omit<BenchServer, 'pid' | 'stop'>),
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;

      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);

      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}
