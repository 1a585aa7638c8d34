import { DEMO } from '../../../signaling/src/demo/seed.ts';

/** Runs one SQL statement; PGlite's, node-postgres's and a transaction's `query` all fit. */
export type Query = (sql: string, params: unknown[]) => Promise<unknown>;

/**
 * Adds `count` invented nurses to the demo patient's care team: 'Testperson 001' and so on, in
 * the demo municipality's home nursing (one connection per person is allowed in a meeting, and the
 * demo has five people). Returns their person ids. Run it inside a transaction.
 */
export async function addSyntheticCareTeam(query: Query, count: number): Promise<string[]> {
  const ids = Array.from(
    { length: count },
    (_, i) => `bench-person-${String(i + 1).padStart(3, '0')}`,
  );

  for (const id of ids) {
    await query(
      `insert into persons (id, kind, display_name, organisation_id)
       values ($1, 'practitioner', $2, 'org-municipality')`,
      [id, `Testperson ${id.slice(-3)}`],
    );
    await query(
      `insert into care_team_members (patient_id, person_id, role) values ($1, $2, 'nurse')`,
      [DEMO.patientId, id],
    );
  }

  return ids;
}
