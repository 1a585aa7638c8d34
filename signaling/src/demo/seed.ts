import type { Database } from '../db/index.ts';
import type { ParticipantRole } from '../protocol/index.ts';
import { firstSyntheticFodselsnummer } from './syntheticIds.ts';

/** Everything in the demo is invented: people, places and the identity number. */
export const DEMO = {
  meetingId: 'demo',
  patientId: 'patient-demo',
  planId: 'plan-demo',
  people: [
    { id: 'person-astrid', name: 'Astrid Solberg', role: 'patient' },
    { id: 'person-kari', name: 'Kari Nordmann', role: 'coordinator' },
    { id: 'person-ola', name: 'Ola Hansen', role: 'physician' },
    { id: 'person-ingrid', name: 'Ingrid Berg', role: 'nurse' },
    { id: 'person-per', name: 'Per Lie', role: 'gp' },
  ] satisfies { id: string; name: string; role: ParticipantRole }[],
} as const;

const OID_FNR = 'urn:oid:2.16.578.1.12.4.1.4.1';

/** Seeds the demo once; a second call finds it and changes nothing. */
export async function seedDemo(db: Database): Promise<void> {
  const existing = await db.query('select 1 from patients where id = $1', [DEMO.patientId]);

  if (existing.length > 0) return;

  await db.transaction(async (tx) => {
    const q = (sql: string, params: unknown[]) => tx.query(sql, params);

    await q(
      `insert into organisations (id, name, kind, unit) values
        ('org-hospital', 'Universitetssykehuset Demo', 'hospital', 'Medisinsk klinikk'),
        ('org-municipality', 'Fjellvik kommune', 'municipality', 'Hjemmesykepleien'),
        ('org-coordination', 'Fjellvik kommune', 'municipality', 'Koordinerende enhet'),
        ('org-gp', 'Fjellvik legekontor', 'gp_office', null)`,
      [],
    );
    await q(
      `insert into persons (id, kind, display_name, organisation_id) values
        ('person-astrid', 'patient', 'Astrid Solberg', null),
        ('person-kari', 'practitioner', 'Kari Nordmann', 'org-coordination'),
        ('person-ola', 'practitioner', 'Ola Hansen', 'org-hospital'),
        ('person-ingrid', 'practitioner', 'Ingrid Berg', 'org-municipality'),
        ('person-per', 'practitioner', 'Per Lie', 'org-gp')`,
      [],
    );
    await q(
      `insert into patients (id, person_id, identifier_system, identifier_value, birth_date)
       values ($1, 'person-astrid', $2, $3, '1942-03-14')`,
      [DEMO.patientId, OID_FNR, firstSyntheticFodselsnummer('1942-03-14')],
    );
    await q(
      `insert into care_team_members (patient_id, person_id, role) values
        ($1, 'person-kari', 'coordinator'),
        ($1, 'person-ola', 'physician'),
        ($1, 'person-ingrid', 'nurse'),
        ($1, 'person-per', 'gp')`,
      [DEMO.patientId],
    );
    await q(`insert into meetings (id, patient_id, title) values ($1, $2, 'Teammøte')`, [
      DEMO.meetingId,
      DEMO.patientId,
    ]);
    await q(
      `insert into care_plans (id, patient_id, version, what_matters) values ($1, $2, 0, $3)`,
      [
        DEMO.planId,
        DEMO.patientId,
        'Å bo hjemme så lenge som mulig, og å klare å gå til postkassen og til naboen Randi ' +
          'på kaffe. Jeg vil ikke legges inn på sykehus uten at datteren min vet om det.',
      ],
    );
    await q(
      `insert into goals (id, plan_id, description, priority, target_date, position) values
        ('goal-walk', $1, 'Gå til postkassen hver dag uten å falle', 'high', '2027-03-01', 1),
        ('goal-breath', $1, 'Kjenne meg trygg når jeg blir tungpustet om natten', 'high', '2027-01-15', 2),
        ('goal-social', $1, 'Treffe naboen på kaffe minst én gang i uken', 'medium', null, 3)`,
      [DEMO.planId],
    );
    await q(
      `insert into plan_actions
         (id, plan_id, goal_id, description, responsible, status, due_date,
          created_version, changed_version) values
        ('action-physio', $1, 'goal-walk', 'Fysioterapeut kommer hjem for balansetrening to ganger i uken', 'municipality', 'open', '2026-12-15', 0, 0),
        ('action-meds', $1, 'goal-breath', 'Gjennomgå legemiddellisten etter siste innleggelse', 'gp', 'open', '2026-12-10', 0, 0),
        ('action-copd', $1, 'goal-breath', 'Lage plan for hva Astrid gjør ved forverring av KOLS', 'hospital', 'open', '2026-12-20', 0, 0),
        ('action-alarm', $1, 'goal-walk', 'Trygghetsalarm testet og virker', 'municipality', 'done', null, 0, 0)`,
      [DEMO.planId],
    );
  });
}
