/**
 * Teamrom for the Socket.io benchmarks, in a process of its own so that the clients measuring it do
 * not share its event loop. Adds SYNTHETIC_PEOPLE invented nurses to the demo patient's care team
 * (one connection per person is allowed in a meeting, and the demo has five people), prints one
 * JSON line with its address and a token per synthetic person, and stops on SIGTERM. Answers the
 * commands of `commands.ts` on its IPC channel, when it has one.
 */
import { performance } from 'node:perf_hooks';

import { pino } from 'pino';

import { AuditLog } from '../../../signaling/src/audit/AuditLog.ts';
import { CarePlanService } from '../../../signaling/src/careplan/CarePlanService.ts';
import { DEMO } from '../../../signaling/src/demo/seed.ts';
import { startTestServer } from '../../../signaling/src/testing/harness.ts';
import type { BenchCommandMessage, BenchCommands, BenchReplyMessage } from './commands.ts';
import { buildLargePlan, seedBenchPatient } from './largePlan.ts';
import { addSyntheticCareTeam } from './syntheticTeam.ts';

const TOKEN_SECONDS = 3600;

const server = await startTestServer();
const people = await server.db.transaction((tx) =>
  addSyntheticCareTeam(
    (sql, params) => tx.query(sql, params),
    Number(process.env.SYNTHETIC_PEOPLE ?? 0),
  ),
);
// The server keeps its own service to itself; this one shares its database and holds no state
// of its own, so it reads and writes exactly as the server's does.
const carePlans = new CarePlanService(
  server.db,
  new AuditLog(server.db, pino({ level: 'silent' })),
);

const commands: {
  [K in keyof BenchCommands]: (
    args: BenchCommands[K]['args'],
  ) => Promise<BenchCommands[K]['reply']>;
} = {
  async buildPlan(size) {
    await seedBenchPatient(server.db, people);

    return buildLargePlan(server.db, carePlans, size);
  },
  async timeOpen({ planIds, repetitions }) {
    const ms = planIds.map((): number[] => []);

    for (let i = 0; i < repetitions; i++) {
      for (const [p, planId] of planIds.entries()) {
        const started = performance.now();

        await carePlans.open({ sub: people[0]! }, planId);
        ms[p]!.push(performance.now() - started);
      }
    }

    return { ms };
  },
};

process.on('message', (message: BenchCommandMessage) => {
  const run = commands[message.kind] as (args: unknown) => Promise<unknown>;

  run(message.args).then(
    (data) => process.send!({ id: message.id, ok: true, data } satisfies BenchReplyMessage),
    (error: unknown) =>
      process.send!({
        id: message.id,
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      } satisfies BenchReplyMessage),
  );
});

const stop = () => void server.stop().finally(() => process.exit(0));

process.on('SIGTERM', stop);
// The benchmark that started this process has gone without stopping it.
process.on('disconnect', stop);
process.stdout.write(
  JSON.stringify({
    url: `http://127.0.0.1:${server.port}`,
    meetingId: DEMO.meetingId,
    planId: DEMO.planId,
    tokens: people.map((id) => server.tokenFor(id, { seconds: TOKEN_SECONDS })),
  }) + '\n',
);
