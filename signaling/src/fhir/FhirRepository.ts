import { carePlanRepository } from '../careplan/CarePlanRepository.ts';
import type { Queryable } from '../db/index.ts';
import type {
  AuditEventRecord,
  CareTeamMemberRecord,
  ConsentRecord,
  OrganisationRecord,
  PatientChart,
  PatientRecord,
  PersonRecord,
  RelativeRecord,
} from './model.ts';

const iso = (value: Date | string) => new Date(value).toISOString();

/** A date column as `YYYY-MM-DD`, whichever driver answered. */
const day = (value: Date | string) =>
  typeof value === 'string' ? value.slice(0, 10) : value.toISOString().slice(0, 10);

const PERSON_COLUMNS = `id, kind, display_name as "displayName", given_name as "givenName",
  family_name as "familyName", organisation_id as "organisationId", hpr_number as "hprNumber"`;

const ORGANISATION_COLUMNS = 'id, name, kind, unit, part_of as "partOf", service';

/** The resource types whose resources belong to one patient, and how to find that patient. */
export type PatientResourceType =
  | 'Patient'
  | 'CareTeam'
  | 'CarePlan'
  | 'Goal'
  | 'Task'
  | 'Consent'
  | 'AuditEvent'
  | 'RelatedPerson';

/** SQL for the FHIR API: what a patient's chart holds, and whose chart a resource is in. */
export const fhirRepository = {
  /** The patients a person is in the care of, by their own relation to them (not yet checked). */
  async patientsNear(db: Queryable, personId: string): Promise<string[]> {
    const rows = await db.query<{ id: string }>(
      `select id from patients where person_id = $1
       union select patient_id from care_team_members where person_id = $1
       union select patient_id from related_persons where person_id = $1
       order by 1`,
      [personId],
    );

    return rows.map((r) => r.id);
  },

  async patientByIdentifier(db: Queryable, system: string, value: string): Promise<string | null> {
    const [row] = await db.query<{ id: string }>(
      'select id from patients where identifier_system = $1 and identifier_value = $2',
      [system, value],
    );

    return row?.id ?? null;
  },

  /**
   * The patients whose charts hold the resource, usually one. Goals and Tasks are found inside
   * the plans; a RelatedPerson is the relative of each patient they are recorded for.
   */
  async patientsOf(db: Queryable, type: PatientResourceType, id: string): Promise<string[]> {
    const query = async (sql: string, params: unknown[]) =>
      (await db.query<{ patient_id: string }>(sql, params)).map((r) => r.patient_id);

    switch (type) {
      case 'Patient':
      case 'CareTeam':
        return query('select id as patient_id from patients where id = $1', [id]);
      case 'CarePlan':
        return query('select patient_id from care_plans where id = $1', [id]);
      case 'Goal':
      case 'Task':
        return query(
          `select patient_id from care_plans where document -> $1 @> $2::jsonb
            order by patient_id`,
          [type === 'Goal' ? 'goals' : 'actions', JSON.stringify([{ id }])],
        );
      case 'Consent':
        return query('select patient_id from consents where id = $1', [id]);
      case 'AuditEvent':
        // Our audit ids are numbers; anything else names no entry.
        return /^\d{1,18}$/.test(id)
          ? query(
              'select patient_id from audit_events where id = $1::bigint and patient_id is not null',
              [id],
            )
          : [];
      case 'RelatedPerson':
        return query(
          `select patient_id from related_persons where person_id = $1
           union
           select m.patient_id from care_team_members m join persons p on p.id = m.person_id
            where m.person_id = $1 and p.kind = 'relative'
           order by 1`,
          [id],
        );
      default: {
        const unknown: never = type;

        throw new Error(`no patient lookup for ${String(unknown)}`);
      }
    }
  },

  /** Everyone in the patient's care who can be made responsible for an action. */
  async peopleInCare(db: Queryable, patientId: string): Promise<Set<string>> {
    const rows = await db.query<{ id: string }>(
      `select person_id as id from patients where id = $1
       union select person_id from care_team_members where patient_id = $1
       union select person_id from related_persons where patient_id = $1`,
      [patientId],
    );

    return new Set(rows.map((r) => r.id));
  },

  async practitioner(db: Queryable, id: string): Promise<PersonRecord | null> {
    const [row] = await db.query<PersonRecord>(
      `select ${PERSON_COLUMNS} from persons where id = $1 and kind = 'practitioner'`,
      [id],
    );

    return row ?? null;
  },

  async organisation(db: Queryable, id: string): Promise<OrganisationRecord | null> {
    const [row] = await db.query<OrganisationRecord>(
      `select ${ORGANISATION_COLUMNS} from organisations where id = $1`,
      [id],
    );

    return row ?? null;
  },

  async existingOrganisations(db: Queryable, ids: string[]): Promise<Set<string>> {
    const rows = await db.query<{ id: string }>(
      'select id from organisations where id = any($1::text[])',
      [ids],
    );

    return new Set(rows.map((r) => r.id));
  },

  /**
   * A patient's chart. `parts: 'patient'` reads only what the Patient resource needs (for
   * searches); `'all'` reads the whole chart, with the audit trail.
   */
  async chart(
    db: Queryable,
    patientId: string,
    parts: 'patient' | 'all' = 'all',
  ): Promise<PatientChart | null> {
    const [patientRow] = await db.query<PatientRecord & { birthDate: Date | string }>(
      `select id, person_id as "personId", identifier_system as "identifierSystem",
              identifier_value as "identifierValue", birth_date as "birthDate",
              preferred_language as "preferredLanguage",
              interpreter_language as "interpreterLanguage", gp_person_id as "gpPersonId",
              treating_organisation_id as "treatingOrganisationId"
         from patients where id = $1`,
      [patientId],
    );

    if (!patientRow) return null;

    const patient: PatientRecord = { ...patientRow, birthDate: day(patientRow.birthDate) };
    const relatives = await db.query<RelativeRecord>(
      `select person_id as "personId", relationship, is_next_of_kin as "isNextOfKin"
         from related_persons where patient_id = $1 order by person_id`,
      [patientId],
    );
    const whole = parts === 'all';
    const careTeam = whole ? await careTeamOf(db, patientId) : [];
    const consents = whole ? await consentsOf(db, patientId) : [];
    const planId = whole ? await carePlanRepository.planIdOf(db, patientId) : null;
    const plan = planId ? await carePlanRepository.load(db, planId) : null;
    const audit = whole ? await auditOf(db, patientId) : [];

    const personIds = new Set<string>([
      patient.personId,
      ...(patient.gpPersonId ? [patient.gpPersonId] : []),
      ...relatives.map((r) => r.personId),
      ...careTeam.map((m) => m.personId),
      ...consents.flatMap((c) =>
        [c.recordedBy, c.withdrawnBy, c.granteePersonId].filter((id) => id !== null),
      ),
      ...(plan?.actions.flatMap((a) =>
        a.responsible.kind === 'person' ? [a.responsible.id] : [],
      ) ?? []),
      ...(plan?.notes.map((n) => n.authorId) ?? []),
      ...(plan?.goals.flatMap((g) => g.evaluations.map((e) => e.authorId)) ?? []),
      ...audit.flatMap((a) => (a.actorId ? [a.actorId] : [])),
    ]);
    const persons = await db.query<PersonRecord>(
      `select ${PERSON_COLUMNS} from persons where id = any($1::text[])`,
      [[...personIds]],
    );
    const organisationIds = new Set<string>([
      ...(patient.treatingOrganisationId ? [patient.treatingOrganisationId] : []),
      ...careTeam.flatMap((m) => (m.organisationId ? [m.organisationId] : [])),
      ...consents.flatMap((c) => (c.granteeOrganisationId ? [c.granteeOrganisationId] : [])),
      ...(plan?.actions.flatMap((a) =>
        a.responsible.kind === 'organisation' ? [a.responsible.id] : [],
      ) ?? []),
      ...audit.flatMap((a) => (a.organisationId ? [a.organisationId] : [])),
    ]);
    // With every organisation they are part of, up the tree.
    const organisations = await db.query<OrganisationRecord>(
      `with recursive tree as (
         select * from organisations where id = any($1::text[])
         union
         select o.* from organisations o join tree t on o.id = t.part_of
       )
       select ${ORGANISATION_COLUMNS} from tree order by id`,
      [[...organisationIds]],
    );

    return {
      patient,
      persons: new Map(persons.map((p) => [p.id, p])),
      organisations: new Map(organisations.map((o) => [o.id, o])),
      relatives,
      careTeam,
      consents,
      plan,
      audit,
    };
  },
};

async function careTeamOf(db: Queryable, patientId: string): Promise<CareTeamMemberRecord[]> {
  const rows = await db.query<
    Omit<CareTeamMemberRecord, 'periodStart' | 'periodEnd'> & {
      periodStart: Date | string;
      periodEnd: Date | string | null;
    }
  >(
    `select m.person_id as "personId", m.role,
            coalesce(m.organisation_id, p.organisation_id) as "organisationId",
            m.period_start as "periodStart", m.period_end as "periodEnd"
       from care_team_members m join persons p on p.id = m.person_id
      where m.patient_id = $1
      order by m.period_start, m.person_id`,
    [patientId],
  );

  return rows.map((r) => ({
    ...r,
    periodStart: day(r.periodStart),
    periodEnd: r.periodEnd === null ? null : day(r.periodEnd),
  }));
}

async function consentsOf(db: Queryable, patientId: string): Promise<ConsentRecord[]> {
  const rows = await db.query<{
    id: string;
    scope: ConsentRecord['scope'];
    grantee_organisation_id: string | null;
    grantee_person_id: string | null;
    given_on: Date | string;
    recorded_by: string;
    recorded_at: Date | string;
    withdrawn_at: Date | string | null;
    withdrawn_by: string | null;
  }>(
    `select id, scope, grantee_organisation_id, grantee_person_id, given_on, recorded_by,
            recorded_at, withdrawn_at, withdrawn_by
       from consents where patient_id = $1 order by recorded_at, id`,
    [patientId],
  );

  return rows.map((r) => ({
    id: r.id,
    scope: r.scope,
    granteeOrganisationId: r.grantee_organisation_id,
    granteePersonId: r.grantee_person_id,
    givenOn: day(r.given_on),
    recordedBy: r.recorded_by,
    recordedAt: iso(r.recorded_at),
    withdrawnAt: r.withdrawn_at === null ? null : iso(r.withdrawn_at),
    withdrawnBy: r.withdrawn_by,
  }));
}

// LIMITATION: the whole audit trail of the patient goes into one export, without paging; a
// patient with years of meetings gets a large bundle.
async function auditOf(db: Queryable, patientId: string): Promise<AuditEventRecord[]> {
  const rows = await db.query<{
    id: string | number;
    occurred_at: Date | string;
    actor_id: string | null;
    actor_role: string | null;
    organisation_id: string | null;
    patient_id: string | null;
    meeting_id: string | null;
    action: string;
    outcome: AuditEventRecord['outcome'];
  }>(
    `select id::text as id, occurred_at, actor_id, actor_role, organisation_id, patient_id,
            meeting_id, action, outcome
       from audit_events where patient_id = $1 order by occurred_at, id`,
    [patientId],
  );

  return rows.map((r) => ({
    id: String(r.id),
    occurredAt: iso(r.occurred_at),
    actorId: r.actor_id,
    actorRole: r.actor_role,
    organisationId: r.organisation_id,
    patientId: r.patient_id,
    meetingId: r.meeting_id,
    action: r.action,
    outcome: r.outcome,
  }));
}
