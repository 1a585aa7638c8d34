import { hasVisibleText } from './careplan.ts';
import type {
  CarePlan,
  Goal,
  IndividualPlanPart,
  PlanFacts,
  PlanOperation,
  PlanOperationApplied,
} from './careplan.ts';

/** Why an operation cannot be applied to a plan as it stands. */
export class PlanRuleError extends Error {
  readonly code: 'plan_conflict' | 'invalid_request' | 'not_found';
  readonly details: unknown;

  constructor(code: PlanRuleError['code'], message: string, details?: unknown) {
    super(message);
    this.name = 'PlanRuleError';
    this.code = code;
    this.details = details;
  }
}

/** The parts of an individual plan this plan does not hold yet, in the regulation's order. */
export function missingIndividualPlanParts(plan: CarePlan, facts: PlanFacts): IndividualPlanPart[] {
  const filled = (s: keyof CarePlan['sections']) => hasVisibleText(plan.sections[s]);
  const has: Record<IndividualPlanPart, boolean> = {
    goalsResourcesAndNeeds:
      plan.goals.some((g) => g.lifecycleStatus !== 'cancelled') && filled('resourcesAndNeeds'),
    participants: filled('participants'),
    coordinator: facts.hasCoordinator,
    contributions: filled('contributions'),
    measures: plan.actions.some((a) => a.status !== 'cancelled'),
    implementation: filled('implementation'),
    periodAndReview: plan.periodStart !== null && plan.nextReview !== null,
    consent: facts.hasPlanConsent,
    cooperation: filled('cooperation'),
  };

  return (Object.keys(has) as IndividualPlanPart[]).filter((part) => !has[part]);
}

/** The field paths an operation writes, with the values it writes to them. */
function writes(plan: CarePlan, op: PlanOperation): [string, unknown, unknown][] {
  switch (op.type) {
    case 'plan.setStatus':
      return [['status', plan.status, op.status]];
    case 'plan.setIndividualPlan':
      return [['isIndividualPlan', plan.isIndividualPlan, op.isIndividualPlan]];
    case 'plan.setDates':
      return (['periodStart', 'periodEnd', 'nextReview'] as const)
        .filter((f) => op[f] !== undefined)
        .map((f) => [f, plan[f], op[f]]);
    case 'section.set':
      return [[`sections.${op.section}`, plan.sections[op.section], op.text]];
    case 'goal.update': {
      const goal = findGoal(plan, op.goalId);

      return Object.entries(op.changes).map(([field, value]) => [
        `goals.${op.goalId}.${field}`,
        goal[field as keyof Goal],
        value,
      ]);
    }
    case 'action.update': {
      const action = findAction(plan, op.actionId);

      return Object.entries(op.changes).map(([field, value]) => [
        `actions.${op.actionId}.${field}`,
        action[field as keyof typeof action],
        value,
      ]);
    }
    case 'action.setStatus':
      return [[`actions.${op.actionId}.status`, findAction(plan, op.actionId).status, op.status]];
    case 'goal.add':
    case 'goal.evaluate':
    case 'action.add':
    case 'note.add':
      return [];
    default: {
      const unknown: never = op;

      throw new PlanRuleError('invalid_request', `unknown operation ${String(unknown)}`);
    }
  }
}

/**
 * Refuses an operation that cannot be applied: a reference to something the plan does not hold,
 * an id already in use, an individual plan made active while parts are missing, or a change to a
 * field someone else changed after `baseVersion` (a `plan_conflict` carrying the current value).
 */
export function checkOperation(
  plan: CarePlan,
  op: PlanOperation,
  baseVersion: number,
  facts: PlanFacts,
): void {
  if (baseVersion > plan.version) {
    throw new PlanRuleError('invalid_request', 'the base version is newer than the plan');
  }

  switch (op.type) {
    case 'goal.add':
      if (plan.goals.some((g) => g.id === op.goalId)) {
        throw new PlanRuleError('invalid_request', 'a goal with this id exists already');
      }
      break;
    case 'action.add':
      if (plan.actions.some((a) => a.id === op.actionId)) {
        throw new PlanRuleError('invalid_request', 'an action with this id exists already');
      }
      if (op.goalId !== null) findGoal(plan, op.goalId);
      break;
    case 'action.update':
      if (op.changes.goalId) findGoal(plan, op.changes.goalId);
      break;
    case 'goal.evaluate':
      findGoal(plan, op.goalId);
      if (plan.goals.some((g) => g.evaluations.some((e) => e.id === op.evaluationId))) {
        throw new PlanRuleError('invalid_request', 'an evaluation with this id exists already');
      }
      break;
    case 'note.add':
      if (plan.notes.some((n) => n.id === op.noteId)) {
        throw new PlanRuleError('invalid_request', 'a note with this id exists already');
      }
      break;
    case 'plan.setDates': {
      const start = op.periodStart === undefined ? plan.periodStart : op.periodStart;
      const end = op.periodEnd === undefined ? plan.periodEnd : op.periodEnd;

      if (start !== null && end !== null && end < start) {
        throw new PlanRuleError('invalid_request', 'the period ends before it starts');
      }
      break;
    }
    case 'plan.setStatus':
    case 'plan.setIndividualPlan':
    case 'section.set':
    case 'goal.update':
    case 'action.setStatus':
      break;
    default: {
      const unknown: never = op;

      throw new PlanRuleError('invalid_request', `unknown operation ${String(unknown)}`);
    }
  }

  for (const [field, current, next] of writes(plan, op)) {
    if ((plan.changed[field] ?? 0) > baseVersion && !sameData(current, next)) {
      throw new PlanRuleError('plan_conflict', 'someone changed this meanwhile', {
        field,
        current: current ?? null,
        version: plan.version,
      });
    }
  }

  checkIndividualPlan(
    plan,
    reduce(plan, op, { version: plan.version, authorId: '', appliedAt: '' }),
    facts,
  );
}

/**
 * An individual plan is made active only when it holds every required part, and an active one
 * keeps them: a change that would take a part away is refused. (The patient withdrawing consent is
 * not a change to the plan; the plan then shows the part as missing.)
 */
function checkIndividualPlan(plan: CarePlan, next: CarePlan, facts: PlanFacts): void {
  if (next.status !== 'active' || !next.isIndividualPlan) return;

  const wasComplete = plan.status === 'active' && plan.isIndividualPlan;
  const before = wasComplete ? missingIndividualPlanParts(plan, facts) : [];
  const after = missingIndividualPlanParts(next, facts);
  const lost = wasComplete ? after.filter((part) => !before.includes(part)) : after;

  if (lost.length > 0) {
    throw new PlanRuleError(
      'invalid_request',
      wasComplete
        ? 'this change would take a required part away from an active individual plan'
        : 'an individual plan cannot be active until it holds every required part',
      { missingParts: after },
    );
  }
}

/**
 * The plan after an operation, without checks: the server checks first; clients and the history
 * replay operations that were already accepted. Never mutates its input.
 */
export function reduce(
  plan: CarePlan,
  op: PlanOperation,
  meta: Pick<PlanOperationApplied, 'version' | 'authorId' | 'appliedAt'>,
): CarePlan {
  const next: CarePlan = {
    ...plan,
    version: meta.version,
    updatedAt: meta.appliedAt || plan.updatedAt,
    changed: { ...plan.changed },
  };

  for (const [field] of writes(plan, op)) next.changed[field] = meta.version;

  switch (op.type) {
    case 'plan.setStatus':
      next.status = op.status;
      break;
    case 'plan.setIndividualPlan':
      next.isIndividualPlan = op.isIndividualPlan;
      break;
    case 'plan.setDates':
      if (op.periodStart !== undefined) next.periodStart = op.periodStart;
      if (op.periodEnd !== undefined) next.periodEnd = op.periodEnd;
      if (op.nextReview !== undefined) next.nextReview = op.nextReview;
      break;
    case 'section.set':
      next.sections = { ...plan.sections, [op.section]: op.text };
      break;
    case 'goal.add':
      next.goals = [
        ...plan.goals,
        {
          id: op.goalId,
          description: op.description,
          priority: op.priority,
          targetDate: op.targetDate,
          lifecycleStatus: 'active',
          achievementStatus: null,
          evaluations: [],
        },
      ];
      break;
    case 'goal.update':
      next.goals = plan.goals.map((g) => (g.id === op.goalId ? { ...g, ...op.changes } : g));
      break;
    case 'goal.evaluate':
      next.goals = plan.goals.map((g) =>
        g.id === op.goalId
          ? {
              ...g,
              achievementStatus: op.achievementStatus,
              evaluations: [
                ...g.evaluations,
                {
                  id: op.evaluationId,
                  date: op.date,
                  text: op.text,
                  achievementStatus: op.achievementStatus,
                  authorId: meta.authorId,
                  recordedAt: meta.appliedAt,
                },
              ],
            }
          : g,
      );
      next.changed[`goals.${op.goalId}.achievementStatus`] = meta.version;
      break;
    case 'action.add':
      next.actions = [
        ...plan.actions,
        {
          id: op.actionId,
          description: op.description,
          responsible: op.responsible,
          status: 'open',
          goalId: op.goalId,
          dueDate: op.dueDate,
          createdAt: meta.appliedAt,
        },
      ];
      break;
    case 'action.update':
      next.actions = plan.actions.map((a) => (a.id === op.actionId ? { ...a, ...op.changes } : a));
      break;
    case 'action.setStatus':
      next.actions = plan.actions.map((a) =>
        a.id === op.actionId ? { ...a, status: op.status } : a,
      );
      break;
    case 'note.add':
      next.notes = [
        ...plan.notes,
        {
          id: op.noteId,
          kind: op.kind,
          text: op.text,
          meetingId: op.meetingId,
          authorId: meta.authorId,
          recordedAt: meta.appliedAt,
        },
      ];
      break;
    default: {
      const unknown: never = op;

      throw new PlanRuleError('invalid_request', `unknown operation ${String(unknown)}`);
    }
  }

  return next;
}

function findGoal(plan: CarePlan, goalId: string): Goal {
  const goal = plan.goals.find((g) => g.id === goalId);

  if (!goal) throw new PlanRuleError('not_found', 'no such goal in this plan');

  return goal;
}

function findAction(plan: CarePlan, actionId: string) {
  const action = plan.actions.find((a) => a.id === actionId);

  if (!action) throw new PlanRuleError('not_found', 'no such action in this plan');

  return action;
}

/** Equal as data: a value read back from the database may hold its keys in another order. */
export function sameData(a: unknown, b: unknown): boolean {
  return canonical(a ?? null) === canonical(b ?? null);
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }

  return JSON.stringify(value);
}

/** A plan with nothing in it yet. */
export function emptyPlan(id: string, patientId: string, createdAt: string): CarePlan {
  return {
    id,
    patientId,
    version: 0,
    updatedAt: createdAt,
    status: 'draft',
    isIndividualPlan: false,
    periodStart: null,
    periodEnd: null,
    nextReview: null,
    sections: {
      whatMatters: '',
      resourcesAndNeeds: '',
      participants: '',
      contributions: '',
      implementation: '',
      cooperation: '',
      crisisWarningSigns: '',
      crisisWhatToDo: '',
      crisisContacts: '',
      crisisHowToMeet: '',
    },
    goals: [],
    actions: [],
    notes: [],
    changed: {},
  };
}
