/**
 * Teamrom for the Socket.io benchmarks, in a process of its own so that the clients measuring it do
 * not share its event loop. Adds SYNTHETIC_PEOPLE invented nurses to the demo patient's care team
 * (one connection per person is allowed in a meeting, and the demo has five people), prints one
 * JSON line with its address and a token per synthetic person, and stops on SIGTERM.
 */
import type { Database } from '../../../signaling/src/db/index.ts';
import { DEMO } from '../../../signaling/src/demo/seed.ts';
import { startTestServer } from '../../../signaling/src/testing/harness.ts';

const TOKEN_SECONDS = 3600;

/** Invented people only: 'Testperson 001' and so on, in the demo municipality's home nursing. */
async function addSyntheticCareTeam(db: Database, count: number): Promise<string[]> {
  const ids = Array.from(
    { length: count },
    (_, i) => `bench-person-${String(i + 1).padStart(3, '0')}`,
  );

  await db.transaction(async (tx) => {
    for (const id of ids) {
      await tx.query(
        `insert into persons (id, kind, display_name, organisation_id)
         values ($1, 'practitioner', $2, 'org-municipality')`,
        [id, `Testperson ${id.slice(-3)}`],
      );
      await tx.query(
        `insert into care_team_members (patient_id, person_id, role) values ($1, $2, 'nurse')`,
        [DEMO.patientId, id],
      );
    }
  });

  return ids;
}

const server = await startTestServer();
const people = await addSyntheticCareTeam(server.db, Number(process.env.SYNTHETIC_PEOPLE ?? 0));

process.on('SIGTERM', () => {
  void server.stop().finally(() => process.exit(0));
});
process.stdout.write(
  JSON.stringify({
    url: `http://127.0.0.1:${server.port}`,
    meetingId: DEMO.meetingId,
    planId: DEMO.planId,
    tokens: people.map((id) => server.tokenFor(id, { seconds: TOKEN_SECONDS })),
  }) + '\n',
);
