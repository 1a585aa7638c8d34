import type { Queryable } from '../db/index.ts';
import type {
  ActionStatus,
  CarePlan,
  CarePlanAction,
  Goal,
  PlanOperation,
  ResponsibleParty,
} from '../protocol/index.ts';

interface PlanRow {
  id: string;
  patient_id: string;
  version: number;
  what_matters: string;
  updated_at: Date | string;
}

interface GoalRow {
  id: string;
  description: string;
  priority: Goal['priority'];
  target_date: string | null;
}

interface ActionRow {
  id: string;
  description: string;
  responsible: ResponsibleParty;
  status: ActionStatus;
  goal_id: string | null;
  due_date: string | null;
  changed_version: number;
}

export interface StoredOperation {
  version: number;
  operation: PlanOperation;
  authorId: string;
  appliedAt: string;
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** SQL for care plans. Callers pass the transaction to use. */
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
    const [plan] = await db.query<PlanRow>(
      'select id, patient_id, version, what_matters, updated_at from care_plans where id = $1',
      [planId],
    );

    if (!plan) return null;

    const goals = await db.query<GoalRow>(
      `select id, description, priority, target_date::text as target_date
         from goals where plan_id = $1 order by position, id`,
      [planId],
    );
    const actions = await db.query<ActionRow>(
      `select id, description, responsible, status, goal_id, due_date::text as due_date,
              changed_version
         from plan_actions where plan_id = $1 order by created_version, created_at, id`,
      [planId],
    );

    return {
      id: plan.id,
      patientId: plan.patient_id,
      version: plan.version,
      whatMatters: plan.what_matters,
      updatedAt: iso(plan.updated_at),
      goals: goals.map((g): Goal => ({
        id: g.id,
        description: g.description,
        priority: g.priority,
        targetDate: g.target_date,
      })),
      actions: actions.map((a): CarePlanAction => ({
        id: a.id,
        description: a.description,
        responsible: a.responsible,
        status: a.status,
        goalId: a.goal_id,
        dueDate: a.due_date,
        changedInVersion: a.changed_version,
      })),
    };
  },

  /** Locks the plan row for the rest of the transaction and returns its version. */
  async lockVersion(tx: Queryable, planId: string): Promise<number | null> {
    const rows = await tx.query<{ version: number }>(
      'select version from care_plans where id = $1 for update',
      [planId],
    );

    return rows[0]?.version ?? null;
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
      operation: typeof row.operation === 'string' ? JSON.parse(row.operation) : row.operation,
      authorId: row.author_id,
      appliedAt: iso(row.applied_at),
    };
  },

  async action(
    tx: Queryable,
    planId: string,
    actionId: string,
  ): Promise<{ status: ActionStatus; changedVersion: number } | null> {
    const rows = await tx.query<{ status: ActionStatus; changed_version: number }>(
      'select status, changed_version from plan_actions where plan_id = $1 and id = $2',
      [planId, actionId],
    );
    const row = rows[0];

    return row ? { status: row.status, changedVersion: row.changed_version } : null;
  },

  async goalExists(tx: Queryable, planId: string, goalId: string): Promise<boolean> {
    const rows = await tx.query('select 1 from goals where plan_id = $1 and id = $2', [
      planId,
      goalId,
    ]);

    return rows.length > 0;
  },

  async actionIdTaken(tx: Queryable, actionId: string): Promise<boolean> {
    return (await tx.query('select 1 from plan_actions where id = $1', [actionId])).length > 0;
  },

  async insertAction(
    tx: Queryable,
    planId: string,
    version: number,
    op: Extract<PlanOperation, { type: 'action.add' }>,
  ): Promise<void> {
    await tx.query(
      `insert into plan_actions
         (id, plan_id, goal_id, description, responsible, status, due_date,
          created_version, changed_version)
       values ($1, $2, $3, $4, $5, 'open', $6, $7, $7)`,
      [op.actionId, planId, op.goalId, op.description, op.responsible, op.dueDate, version],
    );
  },

  async setActionStatus(
    tx: Queryable,
    planId: string,
    version: number,
    actionId: string,
    status: ActionStatus,
  ): Promise<void> {
    await tx.query(
      `update plan_actions set status = $3, changed_version = $4 where plan_id = $1 and id = $2`,
      [planId, actionId, status, version],
    );
  },

  async recordOperation(
    tx: Queryable,
    planId: string,
    version: number,
    idempotencyKey: string,
    authorId: string,
    operation: PlanOperation,
  ): Promise<string> {
    // clock_timestamp(), not now(): now() is when the transaction began, before it waited for the
    // plan's lock, so a change that waited longer would be stamped earlier than the one before it.
    const rows = await tx.query<{ applied_at: Date | string }>(
      `insert into plan_operations
         (plan_id, version, idempotency_key, author_id, operation, applied_at)
       values ($1, $2, $3, $4, $5, clock_timestamp()) returning applied_at`,
      [planId, version, idempotencyKey, authorId, JSON.stringify(operation)],
    );

    await tx.query(
      `update care_plans set version = $2, updated_at = (
         select applied_at from plan_operations where plan_id = $1 and version = $2
       ) where id = $1`,
      [planId, version],
    );

    return iso(rows[0]!.applied_at);
  },
};
