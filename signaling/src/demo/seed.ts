import type { Database, Queryable } from '../db/index.ts';
import type { CarePlan, ParticipantRole } from '../protocol/index.ts';
import { emptyPlan } from '../protocol/index.ts';
import { firstSyntheticFodselsnummer } from './syntheticIds.ts';

/** Everything in the demo is invented: people, places, HPR numbers and the identity number. */
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
    { id: 'person-liv', name: 'Liv Solberg', role: 'relative' },
  ] satisfies { id: string; name: string; role: ParticipantRole }[],
} as const;

export const OID_FNR = 'urn:oid:2.16.578.1.12.4.1.4.1';

/** When the demo's care team and consents begin. */
const TEAM_SINCE = '2026-09-01';

/**
 * Seeds the demo. Every row is inserted only when missing, so a second call changes nothing, and
 * a data directory seeded by an earlier version gains what this version adds without losing edits.
 */
export async function seedDemo(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    const q = (sql: string, params: unknown[] = []) => tx.query(sql, params);

    await q(
      `insert into organisations (id, name, kind, unit, part_of, service) values
        ('org-hospital', 'Universitetssykehuset Demo', 'hospital', 'Medisinsk klinikk', null,
         'hospital_department'),
        ('org-fjellvik', 'Fjellvik kommune', 'municipality', null, null, null),
        ('org-municipality', 'Fjellvik kommune', 'municipality', 'Hjemmesykepleien',
         'org-fjellvik', 'home_care'),
        ('org-coordination', 'Fjellvik kommune', 'municipality', 'Koordinerende enhet',
         'org-fjellvik', 'coordination_unit'),
        ('org-gp', 'Fjellvik legekontor', 'gp_office', null, null, 'gp_office')
       on conflict (id) do update set part_of = excluded.part_of, service = excluded.service`,
    );
    await q(
      `insert into persons (id, kind, display_name, given_name, family_name, organisation_id,
                            hpr_number) values
        ('person-astrid', 'patient', 'Astrid Solberg', 'Astrid', 'Solberg', null, null),
        ('person-kari', 'practitioner', 'Kari Nordmann', 'Kari', 'Nordmann', 'org-coordination',
         '9900001'),
        ('person-ola', 'practitioner', 'Ola Hansen', 'Ola', 'Hansen', 'org-hospital', '9900002'),
        ('person-ingrid', 'practitioner', 'Ingrid Berg', 'Ingrid', 'Berg', 'org-municipality',
         '9900003'),
        ('person-per', 'practitioner', 'Per Lie', 'Per', 'Lie', 'org-gp', '9900004'),
        ('person-liv', 'relative', 'Liv Solberg', 'Liv', 'Solberg', null, null)
       on conflict (id) do update set given_name = excluded.given_name,
         family_name = excluded.family_name, hpr_number = excluded.hpr_number`,
    );
    await q(
      `insert into patients (id, person_id, identifier_system, identifier_value, birth_date,
                             preferred_language, gp_person_id, treating_organisation_id)
       values ($1, 'person-astrid', $2, $3, '1942-03-14', 'nb', 'person-per', 'org-hospital')
       on conflict (id) do update set gp_person_id = excluded.gp_person_id,
         treating_organisation_id = excluded.treating_organisation_id`,
      [DEMO.patientId, OID_FNR, firstSyntheticFodselsnummer('1942-03-14')],
    );
    await q(
      `insert into related_persons (patient_id, person_id, relationship, is_next_of_kin)
       values ($1, 'person-liv', 'child', true) on conflict do nothing`,
      [DEMO.patientId],
    );
    await q(
      `insert into care_team_members (patient_id, person_id, role, organisation_id, period_start)
       values
        ($1, 'person-kari', 'coordinator', 'org-coordination', $2),
        ($1, 'person-ola', 'physician', 'org-hospital', $2),
        ($1, 'person-ingrid', 'nurse', 'org-municipality', $2),
        ($1, 'person-per', 'gp', 'org-gp', $2)
       on conflict (patient_id, person_id) do update
         set organisation_id = excluded.organisation_id, period_start = excluded.period_start`,
      [DEMO.patientId, TEAM_SINCE],
    );
    await q(
      `insert into consents (id, patient_id, scope, grantee_organisation_id, grantee_person_id,
                             given_on, recorded_by, recorded_at) values
        ('consent-demo-plan', $1, 'individual_plan', null, null, $2::date, 'person-kari',
         $2::timestamptz),
        ('consent-demo-municipality', $1, 'share_care_plan', 'org-fjellvik', null, $2::date,
         'person-ola', $2::timestamptz),
        ('consent-demo-gp', $1, 'share_care_plan', 'org-gp', null, $2::date, 'person-ola',
         $2::timestamptz),
        ('consent-demo-liv', $1, 'share_care_plan', null, 'person-liv', $2::date, 'person-kari',
         $2::timestamptz)
       on conflict do nothing`,
      [DEMO.patientId, TEAM_SINCE],
    );
    await q(
      `insert into meetings (id, patient_id, title) values ($1, $2, 'Teammøte')
       on conflict do nothing`,
      [DEMO.meetingId, DEMO.patientId],
    );
    await insertPlanIfMissing(tx, demoPlan());
  });
}

async function insertPlanIfMissing(tx: Queryable, plan: CarePlan): Promise<void> {
  const { id, patientId, version, updatedAt, ...document } = plan;
  const inserted = await tx.query(
    `insert into care_plans (id, patient_id, version, document, updated_at)
     values ($1, $2, $3, $4, $5) on conflict do nothing returning id`,
    [id, patientId, version, JSON.stringify(document), updatedAt],
  );

  if (inserted.length === 0) return;

  await tx.query(
    `insert into plan_snapshots (plan_id, version, document, updated_at)
     values ($1, $2, $3, $4)`,
    [id, version, JSON.stringify(document), updatedAt],
  );
}

/** Astrid's individual plan, complete in all nine parts, at version 0. */
export function demoPlan(): CarePlan {
  const plan = emptyPlan(DEMO.planId, DEMO.patientId, `${TEAM_SINCE}T08:00:00.000Z`);
  const at = plan.updatedAt;

  return {
    ...plan,
    status: 'active',
    isIndividualPlan: true,
    periodStart: TEAM_SINCE,
    periodEnd: '2027-08-31',
    nextReview: '2027-03-01',
    sections: {
      whatMatters:
        'Å bo hjemme så lenge som mulig, og å klare å gå til postkassen og til naboen Randi ' +
        'på kaffe. Jeg vil ikke legges inn på sykehus uten at datteren min vet om det.',
      resourcesAndNeeds:
        'Astrid klarer seg selv i leiligheten med trygghetsalarm. Hun trenger hjelp med ' +
        'medisiner og blir fort tungpustet. Datteren Liv bor i nabokommunen og kommer hver helg.',
      participants:
        'Astrid Solberg, datteren Liv Solberg, koordinator Kari Nordmann, lege Ola Hansen, ' +
        'sykepleier Ingrid Berg og fastlege Per Lie.',
      contributions:
        'Sykehuset følger opp KOLS. Hjemmesykepleien gir medisiner og observerer. Fastlegen har ' +
        'ansvar for legemiddellisten. Liv handler og ringer hver kveld.',
      implementation:
        'Tiltakene gjennomføres hjemme hos Astrid. Teamet møtes på video hver sjette uke, og ' +
        'Astrid deltar fra stuen sin.',
      cooperation:
        'Hjemmesykepleien og fastlegen utveksler meldinger ved endringer. Sykehuset varsler ' +
        'koordinator ved innleggelse og utskrivning.',
      crisisWarningSigns:
        'Mer tungpust enn vanlig, feber, hoste med farget slim, eller at Astrid blir forvirret.',
      crisisWhatToDo:
        'Ta anfallsmedisinen som står på listen. Ring hjemmesykepleien. Blir det ikke bedre ' +
        'på en time, ring legevakten.',
      crisisContacts: 'Hjemmesykepleien dag og kveld; legevakten om natten; datteren Liv alltid.',
      crisisHowToMeet:
        'Snakk rolig og én om gangen. Astrid hører dårlig på venstre øre. Ring Liv før ' +
        'innleggelse.',
    },
    goals: [
      goal('goal-walk', 'Gå til postkassen hver dag uten å falle', 'high', '2027-03-01'),
      goal(
        'goal-breath',
        'Kjenne meg trygg når jeg blir tungpustet om natten',
        'high',
        '2027-01-15',
      ),
      goal('goal-social', 'Treffe naboen på kaffe minst én gang i uken', 'medium', null),
    ],
    actions: [
      action(
        'action-physio',
        'goal-walk',
        'Fysioterapeut kommer hjem for balansetrening to ganger i uken',
        { kind: 'organisation', id: 'org-municipality' },
        'open',
        '2026-12-15',
        at,
      ),
      action(
        'action-meds',
        'goal-breath',
        'Gjennomgå legemiddellisten etter siste innleggelse',
        { kind: 'person', id: 'person-per' },
        'open',
        '2026-12-10',
        at,
      ),
      action(
        'action-copd',
        'goal-breath',
        'Lage plan for hva Astrid gjør ved forverring av KOLS',
        { kind: 'person', id: 'person-ola' },
        'in_progress',
        '2026-12-20',
        at,
      ),
      action(
        'action-alarm',
        'goal-walk',
        'Trygghetsalarm testet og virker',
        { kind: 'organisation', id: 'org-municipality' },
        'done',
        null,
        at,
      ),
    ],
  };
}

function goal(
  id: string,
  description: string,
  priority: CarePlan['goals'][number]['priority'],
  targetDate: string | null,
): CarePlan['goals'][number] {
  return {
    id,
    description,
    priority,
    targetDate,
    lifecycleStatus: 'active',
    achievementStatus: 'in-progress',
    evaluations: [],
  };
}

function action(
  id: string,
  goalId: string,
  description: string,
  responsible: CarePlan['actions'][number]['responsible'],
  status: CarePlan['actions'][number]['status'],
  dueDate: string | null,
  createdAt: string,
): CarePlan['actions'][number] {
  return { id, description, responsible, status, goalId, dueDate, createdAt };
}
