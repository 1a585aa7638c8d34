import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { REPO_ROOT } from '../../lib/teamrom.ts';
import type { BenchCommandName, BenchCommands, BenchReplyMessage } from './commands.ts';

export interface BenchServer {
  url: string;
  meetingId: string;
  planId: string;
  /** One token per synthetic care-team member, each a different person. */
  tokens: string[];
  /** The server process, for reading its CPU. */
  pid: number;
  /** Asks the server process for work that must run beside its database (see commands.ts). */
  command<K extends BenchCommandName>(
    kind: K,
    args: BenchCommands[K]['args'],
  ): Promise<BenchCommands[K]['reply']>;
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
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  const waiting = new Map<number, (reply: BenchReplyMessage) => void>();
  let lastId = 0;
  let stderr = '';

  child.on('message', (reply: BenchReplyMessage) => {
    waiting.get(reply.id)?.(reply);
    waiting.delete(reply.id);
  });

  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));

  const exited = once(child, 'exit');
  const [line] = (await Promise.race([
    once(createInterface({ input: child.stdout! }), 'line'),
    exited.then(([code]) => {
      throw new Error(`the benchmark server exited with ${code}: ${stderr.slice(-2000)}`);
    }),
  ])) as [string];

  return {
    ...(JSON.parse(line) as Omit<BenchServer, 'pid' | 'command' | 'stop'>),
    pid: child.pid!,
    command(kind, args) {
      const id = ++lastId;

      return new Promise((resolve, reject) => {
        waiting.set(id, (reply) =>
          reply.ok
            ? resolve(reply.data as never)
            : reject(new Error(`the benchmark server failed ${kind}: ${reply.error}`)),
        );
        child.send({ id, kind, args });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;

      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);

      child.kill('SIGTERM');
      await exited;
      clearTimeout(timer);
    },
  };
}
