import type { Actor } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, canEditPlan } from '../access/CareTeamAccess.ts';
import type { AuditLog } from '../audit/AuditLog.ts';
import type { Database } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { ApplyPlanOperation, CarePlan, PlanOperationApplied } from '../protocol/index.ts';
import { carePlanRepository as repo } from './CarePlanRepository.ts';

/** Who asks, as their access token says: the person, and the one meeting a link is limited to. */
export interface Caller {
  sub: string;
  meetingId?: string;
}

export interface ApplyResult {
  applied: PlanOperationApplied;
  plan: CarePlan;
  /** True when the idempotency key had been applied before and nothing changed now. */
  replayed: boolean;
}

/**
 * Reads and changes care plans for the people allowed to, auditing every attempt. Each change is
 * applied in one transaction that locks the plan, so concurrent changes are ordered and each
 * idempotency key is applied at most once.
 */
export class CarePlanService {
  readonly #db: Database;
  readonly #audit: AuditLog;

  constructor(db: Database, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  async open(caller: Caller, planId: string): Promise<{ plan: CarePlan; actor: Actor }> {
    const actor = await this.#authorise(caller, planId, 'careplan.read');
    const plan = await repo.load(this.#db, planId);

    if (!plan) throw new AppError('not_found', 'no such care plan');

    await this.#audit.record({ ...auditActor(actor), action: 'careplan.read', outcome: 'success' });

    return { plan, actor };
  }

  async apply(caller: Caller, request: ApplyPlanOperation): Promise<ApplyResult> {
    const actor = await this.#authorise(caller, request.planId, 'careplan.write');

    if (!canEditPlan(actor.role)) {
      await this.#audit.record({
        ...auditActor(actor),
        action: 'careplan.write',
        outcome: 'denied',
      });
      throw new AppError('forbidden', 'your role may read this care plan but not change it');
    }

    try {
      const result = await this.#db.transaction(async (tx) => {
        const current = await repo.lockVersion(tx, request.planId);

        if (current === null) throw new AppError('not_found', 'no such care plan');

        const earlier = await repo.findOperation(tx, request.planId, request.idempotencyKey);

        if (earlier) {
          return {
            replayed: true,
            applied: { planId: request.planId, ...earlier },
          };
        }

        const version = current + 1;
        const op = request.operation;

        switch (op.type) {
          case 'action.add': {
            if (op.goalId !== null && !(await repo.goalExists(tx, request.planId, op.goalId))) {
              throw new AppError('invalid_request', 'the goal does not belong to this plan');
            }
            if (await repo.actionIdTaken(tx, op.actionId)) {
              throw new AppError('invalid_request', 'an action with this id exists already');
            }
            await repo.insertAction(tx, request.planId, version, op);
            break;
          }
          case 'action.setStatus': {
            const action = await repo.action(tx, request.planId, op.actionId);

            if (!action) throw new AppError('not_found', 'no such action in this plan');
            if (action.changedVersion > request.baseVersion && action.status !== op.status) {
              throw new AppError('plan_conflict', 'someone changed this action meanwhile', {
                actionId: op.actionId,
                currentStatus: action.status,
                version: current,
              });
            }
            await repo.setActionStatus(tx, request.planId, version, op.actionId, op.status);
            break;
          }
          default: {
            const unknown: never = op;

            throw new AppError('invalid_request', `unknown operation ${String(unknown)}`);
          }
        }

        const appliedAt = await repo.recordOperation(
          tx,
          request.planId,
          version,
          request.idempotencyKey,
          actor.personId,
          op,
        );

        await this.#audit.record(
          { ...auditActor(actor), action: 'careplan.write', outcome: 'success' },
          tx,
        );

        return {
          replayed: false,
          applied: {
            planId: request.planId,
            version,
            operation: op,
            authorId: actor.personId,
            appliedAt,
          },
        };
      });
      const plan = await repo.load(this.#db, request.planId);

      return { ...result, plan: plan! };
    } catch (error) {
      if (error instanceof AppError && error.code === 'plan_conflict') {
        await this.#audit.record({
          ...auditActor(actor),
          action: 'careplan.write',
          outcome: 'conflict',
        });
      }
      throw error;
    }
  }

  async #authorise(
    caller: Caller,
    planId: string,
    action: 'careplan.read' | 'careplan.write',
  ): Promise<Actor> {
    const patientId = await repo.patientOf(this.#db, planId);

    if (!patientId) throw new AppError('not_found', 'no such care plan');

    try {
      // A link made for one meeting opens that meeting's patient's plan and no other.
      if (caller.meetingId !== undefined) {
        const [meeting] = await this.#db.query<{ patient_id: string }>(
          'select patient_id from meetings where id = $1',
          [caller.meetingId],
        );

        if (meeting?.patient_id !== patientId) {
          throw new AppError('forbidden', 'this link does not give access to this plan');
        }
      }

      return await new CareTeamAccess(this.#db).actorFor(caller.sub, patientId);
    } catch (error) {
      await this.#audit.record({
        actorId: caller.sub,
        actorRole: null,
        organisationId: null,
        patientId,
        action,
        outcome: 'denied',
      });
      throw error;
    }
  }
}

function auditActor(actor: Actor) {
  return {
    actorId: actor.personId,
    actorRole: actor.role,
    organisationId: actor.organisationId,
    patientId: actor.patientId,
  };
}
