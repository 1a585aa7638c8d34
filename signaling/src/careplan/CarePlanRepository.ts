import type { Queryable } from '../db/index.ts';
import type {
  CarePlan,
  PlanDirectory,
  PlanFacts,
  PlanHistoryEntry,
  PlanOperation,
} from '../protocol/index.ts';

/** A snapshot of the plan's document is kept every this many versions, to read old versions fast. */
export const SNAPSHOT_EVERY = 50;

/** The plan minus what lives in columns of its own. */
type PlanDocument = Omit<CarePlan, 'id' | 'patientId' | 'version' | 'updatedAt'>;

interface PlanRow {
  id: string;
  patient_id: string;
  version: number;
  document: PlanDocument | string;
  updated_at: Date | string;
}

export interface StoredOperation {
  version: number;
  operation: PlanOperation;
  authorId: string;
  appliedAt: string;
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** PGlite hands jsonb back parsed; some pg set-ups hand it back as text. */
const json = <T>(value: T | string): T =>
  typeof value === 'string' ? (JSON.parse(value) as T) : value;

function toPlan(row: PlanRow): CarePlan {
  return {
    id: row.id,
    patientId: row.patient_id,
    version: row.version,
    updatedAt: iso(row.updated_at),
    ...json(row.document),
  };
}

/** The plan as stored in its document column: everything but what has a column of its own. */
function toDocument(plan: CarePlan): string {
  const document: PlanDocument & Partial<CarePlan> = { ...plan };

  delete document.id;
  delete document.patientId;
  delete document.version;
  delete document.updatedAt;

  return JSON.stringify(document);
}

async function insertSnapshot(tx: Queryable, plan: CarePlan): Promise<void> {
  await tx.query(
    `insert into plan_snapshots (plan_id, version, document, updated_at)
     values ($1, $2, $3, $4)`,
    [plan.id, plan.version, toDocument(plan), plan.updatedAt],
  );
}

/** SQL for care plans. Callers pass the connection or transaction to use. */
export const carePlanRepository = {
  async patientOf(db: Queryable, planId: string): Promise<string | null> {
    const rows = await db.query<{ patient_id: string }>(
      'select patient_id from care_plans where id = $1',
      [planId],
    );

    return rows[0]?.patient_id ?? null;
  },

  async planIdOf(db: Queryable, patientId: string): Promise<string | null> {
    const rows = await db.query<{ id: string }>(
      'select id from care_plans where patient_id = $1 order by id limit 1',
      [patientId],
    );

    return rows[0]?.id ?? null;
  },

  async load(db: Queryable, planId: string): Promise<CarePlan | null> {
    const [row] = await db.query<PlanRow>(
      'select id, patient_id, version, document, updated_at from care_plans where id = $1',
      [planId],
    );

    return row ? toPlan(row) : null;
  },

  /** Loads the plan and locks its row for the rest of the transaction. */
  async loadForUpdate(tx: Queryable, planId: string): Promise<CarePlan | null> {
    const [row] = await tx.query<PlanRow>(
      `select id, patient_id, version, document, updated_at from care_plans
        where id = $1 for update`,
      [planId],
    );

    return row ? toPlan(row) : null;
  },

  /** A new plan, at version 0, with its first snapshot. */
  async insert(tx: Queryable, plan: CarePlan): Promise<void> {
    await tx.query(
      `insert into care_plans (id, patient_id, version, document, updated_at)
       values ($1, $2, $3, $4, $5)`,
      [plan.id, plan.patientId, plan.version, toDocument(plan), plan.updatedAt],
    );
    await insertSnapshot(tx, plan);
  },

  async findOperation(
    tx: Queryable,
    planId: string,
    idempotencyKey: string,
  ): Promise<StoredOperation | null> {
    const rows = await tx.query<{
      version: number;
      operation: PlanOperation | string;
      author_id: string;
      applied_at: Date | string;
    }>(
      `select version, operation, author_id, applied_at from plan_operations
        where plan_id = $1 and idempotency_key = $2`,
      [planId, idempotencyKey],
    );
    const row = rows[0];

    if (!row) return null;

    return {
      version: row.version,
      operation: json(row.operation),
      authorId: row.author_id,
      appliedAt: iso(row.applied_at),
    };
  },

  /**
   * The time to stamp the next operation with. clock_timestamp(), not now(): now() is when the
   * transaction began, before it waited for the plan's lock, so a change that waited longer would
   * be stamped earlier than the one before it.
   */
  async clock(tx: Queryable): Promise<string> {
    const [row] = await tx.query<{ at: Date | string }>('select clock_timestamp() as at');

    return iso(row!.at);
  },

  /** Stores the plan as changed by one operation, and the operation itself. */
  async saveOperation(
    tx: Queryable,
    plan: CarePlan,
    idempotencyKey: string,
    authorId: string,
    operation: PlanOperation,
  ): Promise<void> {
    await tx.query(
      `insert into plan_operations
         (plan_id, version, idempotency_key, author_id, operation, applied_at)
       values ($1, $2, $3, $4, $5, $6)`,
      [plan.id, plan.version, idempotencyKey, authorId, JSON.stringify(operation), plan.updatedAt],
    );
    await tx.query(
      'update care_plans set version = $2, document = $3, updated_at = $4 where id = $1',
      [plan.id, plan.version, toDocument(plan), plan.updatedAt],
    );

    if (plan.version % SNAPSHOT_EVERY === 0) await insertSnapshot(tx, plan);
  },

  /** The latest snapshot at or before `version`, and the operations after it up to `version`. */
  async replayFrom(
    db: Queryable,
    planId: string,
    version: number,
  ): Promise<{ snapshot: CarePlan; operations: StoredOperation[] } | null> {
    const [snapshot] = await db.query<PlanRow>(
      `select s.plan_id as id, p.patient_id, s.version, s.document, s.updated_at
         from plan_snapshots s
         join care_plans p on p.id = s.plan_id
        where s.plan_id = $1 and s.version <= $2
        order by s.version desc limit 1`,
      [planId, version],
    );

    if (!snapshot) return null;

    const operations = await db.query<{
      version: number;
      operation: PlanOperation | string;
      author_id: string;
      applied_at: Date | string;
    }>(
      `select version, operation, author_id, applied_at from plan_operations
        where plan_id = $1 and version > $2 and version <= $3 order by version`,
      [planId, snapshot.version, version],
    );

    return {
      snapshot: toPlan(snapshot),
      operations: operations.map((o) => ({
        version: o.version,
        operation: json(o.operation),
        authorId: o.author_id,
        appliedAt: iso(o.applied_at),
      })),
    };
  },

  /** Every operation of the plan, newest first, with who made it and in what role. */
  async history(db: Queryable, planId: string): Promise<PlanHistoryEntry[]> {
    const rows = await db.query<{
      version: number;
      operation: PlanOperation | string;
      author_id: string;
      applied_at: Date | string;
      author_name: string;
      author_role: string | null;
    }>(
      `select o.version, o.operation, o.author_id, o.applied_at,
              p.display_name as author_name,
              coalesce(
                case when pt.person_id = o.author_id then 'patient' end,
                (select m.role from care_team_members m
                  where m.patient_id = cp.patient_id and m.person_id = o.author_id
                  order by m.period_start desc limit 1)
              ) as author_role
         from plan_operations o
         join care_plans cp on cp.id = o.plan_id
         join patients pt on pt.id = cp.patient_id
         join persons p on p.id = o.author_id
        where o.plan_id = $1
        order by o.version desc`,
      [planId],
    );

    return rows.map((r) => ({
      planId,
      version: r.version,
      operation: json(r.operation),
      authorId: r.author_id,
      appliedAt: iso(r.applied_at),
      authorName: r.author_name,
      authorRole: r.author_role,
    }));
  },

  /** What the plan's rules need to know from outside it. */
  async facts(db: Queryable, patientId: string): Promise<PlanFacts> {
    const [row] = await db.query<{ has_coordinator: boolean; has_plan_consent: boolean }>(
      `select
         exists (select 1 from care_team_members
                  where patient_id = $1 and role = 'coordinator'
                    and period_start <= current_date
                    and (period_end is null or period_end >= current_date)) as has_coordinator,
         exists (select 1 from consents
                  where patient_id = $1 and scope = 'individual_plan'
                    and withdrawn_at is null) as has_plan_consent`,
      [patientId],
    );

    return { hasCoordinator: row!.has_coordinator, hasPlanConsent: row!.has_plan_consent };
  },

  /**
   * The names behind the ids a plan refers to: everyone in the patient's care, past and present,
   * and every organisation of the team or named as responsible.
   */
  async directory(db: Queryable, plan: CarePlan): Promise<PlanDirectory> {
    const personIds = [
      ...plan.actions.flatMap((a) => (a.responsible.kind === 'person' ? [a.responsible.id] : [])),
      ...plan.notes.map((n) => n.authorId),
      ...plan.goals.flatMap((g) => g.evaluations.map((e) => e.authorId)),
    ];
    const organisationIds = plan.actions.flatMap((a) =>
      a.responsible.kind === 'organisation' ? [a.responsible.id] : [],
    );
    const persons = await db.query<{
      id: string;
      display_name: string;
      role: string | null;
      organisation: string | null;
    }>(
      `select p.id, p.display_name,
              coalesce(case when pt.person_id = p.id then 'patient' end, m.role,
                       case when r.person_id is not null then 'relative' end) as role,
              nullif(concat_ws(', ', o.unit, o.name), '') as organisation
         from persons p
         left join patients pt on pt.id = $1 and pt.person_id = p.id
         left join care_team_members m on m.patient_id = $1 and m.person_id = p.id
         left join related_persons r on r.patient_id = $1 and r.person_id = p.id
         left join organisations o on o.id = coalesce(m.organisation_id, p.organisation_id)
        where pt.person_id is not null or m.person_id is not null or r.person_id is not null
           or p.id = any($2::text[])`,
      [plan.patientId, personIds],
    );
    const organisations = await db.query<{ id: string; name: string }>(
      `select o.id, nullif(concat_ws(', ', o.unit, o.name), '') as name
         from organisations o
        where o.id = any($2::text[])
           or o.id in (select coalesce(m.organisation_id, p.organisation_id)
                         from care_team_members m join persons p on p.id = m.person_id
                        where m.patient_id = $1)`,
      [plan.patientId, organisationIds],
    );

    return {
      persons: Object.fromEntries(
        persons.map((p) => [
          p.id,
          { name: p.display_name, role: p.role, organisation: p.organisation },
        ]),
      ),
      organisations: Object.fromEntries(organisations.map((o) => [o.id, { name: o.name }])),
    };
  },
};
