import { randomUUID } from 'node:crypto';

import type { Actor, Caller } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, isStaff, planAccessFor } from '../access/CareTeamAccess.ts';
import type { AuditAction, AuditLog, AuditOutcome } from '../audit/AuditLog.ts';
import type { Database, Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type {
  ApplyPlanOperation,
  CarePlan,
  OpenedPlan,
  PlanHistoryEntry,
  PlanOperation,
  PlanOperationApplied,
} from '../protocol/index.ts';
import {
  PlanRuleError,
  checkOperation,
  sameData,
  emptyPlan,
  missingIndividualPlanParts,
  reduce,
} from '../protocol/index.ts';
import { carePlanRepository as repo } from './CarePlanRepository.ts';

export type { Caller } from '../access/CareTeamAccess.ts';

export interface ApplyResult {
  applied: PlanOperationApplied;
  plan: CarePlan;
  /** True when the idempotency key had been applied before and nothing changed now. */
  replayed: boolean;
}

/** What the patient writes in their own words; everything else in the plan is the team's. */
const OWN_WORDS: ReadonlySet<PlanOperation['type']> = new Set(['section.set', 'note.add']);

/**
 * Reads and changes care plans for the people allowed to, auditing every attempt. Each change is
 * applied in one transaction that locks the plan, so concurrent changes are ordered and each
 * idempotency key is applied at most once.
 */
export class CarePlanService {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #access: CareTeamAccess;

  constructor(db: Database, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
    this.#access = new CareTeamAccess(db);
  }

  get access(): CareTeamAccess {
    return this.#access;
  }

  async planIdOf(patientId: string): Promise<string | null> {
    return repo.planIdOf(this.#db, patientId);
  }

  async patientOf(planId: string): Promise<string | null> {
    return repo.patientOf(this.#db, planId);
  }

  async open(caller: Caller, planId: string): Promise<OpenedPlan> {
    const { plan, actor } = await this.#read(caller, planId, 'careplan.read');
    const [facts, directory] = await Promise.all([
      repo.facts(this.#db, plan.patientId),
      repo.directory(this.#db, plan),
    ]);

    return {
      plan,
      access: planAccessFor(actor.role),
      directory,
      missingParts: plan.isIndividualPlan ? missingIndividualPlanParts(plan, facts) : [],
    };
  }

  async history(caller: Caller, planId: string): Promise<PlanHistoryEntry[]> {
    const actor = await this.#authorise(caller, planId, 'careplan.history');
    const entries = await repo.history(this.#db, planId);

    await this.#record(actor, 'careplan.history', 'success');

    return entries;
  }

  /** The plan as it was right after `version` was applied. */
  async planAt(caller: Caller, planId: string, version: number): Promise<CarePlan> {
    const actor = await this.#authorise(caller, planId, 'careplan.history');
    const replay = await repo.replayFrom(this.#db, planId, version);
    const latest = replay?.operations.at(-1)?.version ?? replay?.snapshot.version;

    if (!replay || latest !== version) {
      await this.#record(actor, 'careplan.history', 'error');
      throw new AppError('not_found', 'this version of the plan is not kept');
    }

    const plan = replay.operations.reduce(
      (state, stored) => reduce(state, stored.operation, stored),
      replay.snapshot,
    );

    await this.#record(actor, 'careplan.history', 'success');

    return plan;
  }

  /** Creates an empty plan for a patient who has none, and answers with its id. */
  async create(caller: Caller, patientId: string): Promise<string> {
    const actor = await this.#planReader(caller, patientId, 'careplan.write');

    if (!isStaff(actor.role)) {
      await this.#record(actor, 'careplan.write', 'denied');
      throw new AppError('forbidden', 'only the care team creates a care plan');
    }

    return this.#db.transaction(async (tx) => {
      // Serialises two creations for the same patient; the second finds the first's plan.
      await tx.query('select 1 from patients where id = $1 for update', [patientId]);

      const existing = await repo.planIdOf(tx, patientId);

      if (existing) return existing;

      const planId = `plan-${randomUUID()}`;

      await repo.insert(tx, emptyPlan(planId, patientId, await repo.clock(tx)));
      await this.#audit.record({ ...auditActor(actor), action: 'careplan.write' }, tx);

      return planId;
    });
  }

  async apply(caller: Caller, request: ApplyPlanOperation): Promise<ApplyResult> {
    const actor = await this.#authorise(caller, request.planId, 'careplan.write');
    const op = request.operation;
    // A decision is the team's; the patient's notes are their own words.
    const ownWords =
      OWN_WORDS.has(op.type) &&
      (op.type !== 'section.set' || op.section === 'whatMatters') &&
      (op.type !== 'note.add' || op.kind === 'note');
    const allowed = planAccessFor(actor.role).canEdit || (actor.role === 'patient' && ownWords);

    if (!allowed) {
      await this.#record(actor, 'careplan.write', 'denied');
      throw new AppError('forbidden', 'your role may read this care plan but not make this change');
    }

    try {
      return await this.#db.transaction(async (tx) => {
        const current = await repo.loadForUpdate(tx, request.planId);

        if (!current) throw new AppError('not_found', 'no such care plan');

        const earlier = await repo.findOperation(tx, request.planId, request.idempotencyKey);

        if (earlier) {
          // The same key for another change, or from another person, is a fault in the client:
          // answering it with the first change's success would lose the second silently.
          if (earlier.authorId !== actor.personId || !sameData(earlier.operation, op)) {
            throw new AppError(
              'invalid_request',
              'this idempotency key was used for another change; choose a new key',
            );
          }

          return { replayed: true, applied: { planId: request.planId, ...earlier }, plan: current };
        }

        const facts = await repo.facts(tx, current.patientId);

        checkOperation(current, op, request.baseVersion, facts);
        await this.#checkReferences(tx, request.planId, current.patientId, op);

        const applied: PlanOperationApplied = {
          planId: request.planId,
          version: current.version + 1,
          operation: op,
          authorId: actor.personId,
          appliedAt: await repo.clock(tx),
        };
        const plan = reduce(current, op, applied);

        await repo.saveOperation(tx, plan, request.idempotencyKey, actor.personId, op);
        await this.#audit.record({ ...auditActor(actor), action: 'careplan.write' }, tx);

        return { replayed: false, applied, plan };
      });
    } catch (error) {
      const refusal =
        error instanceof PlanRuleError
          ? new AppError(error.code, error.message, error.details)
          : error;

      if (refusal instanceof AppError) {
        await this.#record(
          actor,
          'careplan.write',
          refusal.code === 'plan_conflict' ? 'conflict' : 'error',
        );
      }
      throw refusal;
    }
  }

  /**
   * A responsible person or organisation must be in the patient's care now: the patient, a
   * relative, a current team member, or an organisation (or the whole of one) a current member
   * works for, the treating hospital or the GP's office. A new goal or action takes an id no other
   * plan uses, since FHIR reads it alone by that id. A note's meeting is one of the patient's.
   */
  async #checkReferences(tx: Queryable, planId: string, patientId: string, op: PlanOperation) {
    const responsible =
      op.type === 'action.add'
        ? op.responsible
        : op.type === 'action.update'
          ? op.changes.responsible
          : undefined;

    if (responsible) {
      const rows =
        responsible.kind === 'person'
          ? await tx.query(
              `select 1 from patients where id = $1 and person_id = $2
               union all select 1 from related_persons where patient_id = $1 and person_id = $2
               union all select 1 from care_team_members
                where patient_id = $1 and person_id = $2 and period_start <= current_date
                  and (period_end is null or period_end >= current_date)`,
              [patientId, responsible.id],
            )
          : await tx.query(
              `with care_orgs as (
                 select coalesce(m.organisation_id, p.organisation_id) as id
                   from care_team_members m join persons p on p.id = m.person_id
                  where m.patient_id = $1 and m.period_start <= current_date
                    and (m.period_end is null or m.period_end >= current_date)
                 union select treating_organisation_id from patients where id = $1
                 union select g.organisation_id from patients pt
                   join persons g on g.id = pt.gp_person_id where pt.id = $1
               )
               select 1 from organisations o
                where o.id = $2
                  and (o.id in (select id from care_orgs)
                       or o.id in (select c.part_of from care_orgs co
                                     join organisations c on c.id = co.id))`,
              [patientId, responsible.id],
            );

      if (rows.length === 0) {
        throw new AppError(
          'invalid_request',
          `the responsible ${responsible.kind} is not part of this patient's care`,
        );
      }
    }

    // A note names the meeting it was taken in: one about this patient, never another's.
    if (op.type === 'note.add' && op.meetingId !== null) {
      const [meeting] = await tx.query<{ patient_id: string }>(
        'select patient_id from meetings where id = $1',
        [op.meetingId],
      );

      if (meeting?.patient_id !== patientId) {
        throw new AppError(
          'invalid_request',
          "the note's meeting is not a meeting of this patient",
        );
      }
    }

    const newItem =
      op.type === 'goal.add'
        ? { list: 'goals', id: op.goalId }
        : op.type === 'action.add'
          ? { list: 'actions', id: op.actionId }
          : null;

    if (newItem) {
      const taken = await tx.query(
        `select 1 from care_plans where id <> $1 and document -> '${newItem.list}' @> $2::jsonb`,
        [planId, JSON.stringify([{ id: newItem.id }])],
      );

      if (taken.length > 0) {
        throw new AppError('invalid_request', 'another plan uses this id already');
      }
    }
  }

  async #read(
    caller: Caller,
    planId: string,
    action: AuditAction,
  ): Promise<{ plan: CarePlan; actor: Actor }> {
    const actor = await this.#authorise(caller, planId, action);
    const plan = await repo.load(this.#db, planId);

    if (!plan) throw new AppError('not_found', 'no such care plan');

    await this.#record(actor, action, 'success');

    return { plan, actor };
  }

  async #authorise(caller: Caller, planId: string, action: AuditAction): Promise<Actor> {
    const patientId = await repo.patientOf(this.#db, planId);

    if (!patientId) throw new AppError('not_found', 'no such care plan');

    return this.#planReader(caller, patientId, action);
  }

  async #planReader(caller: Caller, patientId: string, action: AuditAction): Promise<Actor> {
    try {
      return await this.#access.planReader(caller, patientId);
    } catch (error) {
      // Someone in the care who may not read the plan (an interpreter, a member without consent)
      // is recorded with their role, so the patient sees who it was.
      const known = await this.#access.actorFor(caller.sub, patientId).catch(() => null);

      await this.#audit.record({
        actorId: caller.sub,
        actorRole: known?.role ?? null,
        organisationId: known?.organisationId ?? null,
        patientId,
        action,
        outcome: 'denied',
      });
      throw error;
    }
  }

  async #record(actor: Actor, action: AuditAction, outcome: AuditOutcome) {
    await this.#audit.record({ ...auditActor(actor), action, outcome });
  }
}

export function auditActor(actor: Actor) {
  return {
    actorId: actor.personId,
    actorRole: actor.role,
    organisationId: actor.organisationId,
    patientId: actor.patientId,
    outcome: 'success' as const,
  };
}
