import { AppError } from '../errors.ts';
import type {
  CarePlan,
  PlanFacts,
  PlanOperation,
  PlanOperationInput,
  Responsible,
} from '../protocol/index.ts';
import {
  PLAN_SECTIONS,
  PlanRuleError,
  checkOperation,
  planOperationSchema,
  reduce,
} from '../protocol/index.ts';
import type { ImportedPlan, ImportedResponsible } from './importBundle.ts';

export interface PlanChanges {
  /** In the order to apply them; each was checked against the plan as the ones before leave it. */
  operations: PlanOperation[];
  /** What the bundle differs in but an import does not change, for the importer to see. */
  kept: string[];
}

/**
 * The operations that turn `current` into the imported plan, as an editor would make them: new
 * goals, actions and notes are added, changed fields are set, statuses follow. Every operation is
 * validated and checked against the plan's rules on a copy first, so an import that cannot be
 * applied whole is refused before any of it is.
 *
 * An import never removes: goals, actions, notes and evaluations the plan holds but the bundle
 * does not are kept (a plan cancels, it does not delete), and notes and evaluations, which are
 * records of what was said, are never rewritten. Both are reported in `kept`.
 *
 * LIMITATION: notes and evaluations an import adds are recorded as written by the importer, at
 * the time of the import, like any edit; who wrote them in the bundle, and when, is not kept.
 */
export function planChanges(
  current: CarePlan,
  target: ImportedPlan,
  context: { patientPersonId: string; facts: PlanFacts },
): PlanChanges {
  const operations: PlanOperation[] = [];
  const kept: string[] = [];
  let state = current;
  const add = (input: PlanOperationInput, where: string) => {
    const parsed = planOperationSchema.safeParse(input);

    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path.filter((p) => p !== 'changes').join('.');

      throw new AppError(
        'invalid_request',
        `${where}: ${field ? `${field}: ` : ''}${issue.message}`,
        {
          expression: [where],
        },
      );
    }

    try {
      checkOperation(state, parsed.data, state.version, context.facts);
    } catch (error) {
      if (error instanceof PlanRuleError) {
        throw new AppError('invalid_request', `${where}: ${error.message}`, {
          expression: [where],
          ...(error.details && typeof error.details === 'object' ? error.details : {}),
        });
      }
      throw error;
    }

    operations.push(parsed.data);
    state = reduce(state, parsed.data, {
      version: state.version + 1,
      authorId: '',
      appliedAt: state.updatedAt,
    });
  };
  const responsible = (r: ImportedResponsible): Responsible =>
    r.kind === 'patient' ? { kind: 'person', id: context.patientPersonId } : r;

  const dates = (['periodStart', 'periodEnd', 'nextReview'] as const).filter(
    (f) => state[f] !== target[f],
  );

  if (dates.length > 0) {
    add(
      { type: 'plan.setDates', ...Object.fromEntries(dates.map((f) => [f, target[f]])) },
      'CarePlan.period',
    );
  }

  for (const section of PLAN_SECTIONS) {
    if (state.sections[section] !== target.sections[section]) {
      add({ type: 'section.set', section, text: target.sections[section] }, `CarePlan.extension`);
    }
  }

  for (const goal of target.goals) {
    if (!state.goals.some((g) => g.id === goal.id)) {
      add(
        {
          type: 'goal.add',
          goalId: goal.id,
          description: goal.description,
          priority: goal.priority,
          targetDate: goal.targetDate,
        },
        `Goal/${goal.id}`,
      );
    }
  }

  for (const goal of target.goals) {
    const have = state.goals.find((g) => g.id === goal.id)!;

    for (const evaluation of goal.evaluations) {
      const existing = have.evaluations.find((e) => e.id === evaluation.id);

      if (!existing) {
        add(
          {
            type: 'goal.evaluate',
            evaluationId: evaluation.id,
            goalId: goal.id,
            date: evaluation.date,
            text: evaluation.text,
            achievementStatus: evaluation.achievementStatus,
          },
          `Goal/${goal.id}.note`,
        );
      } else if (
        existing.date !== evaluation.date ||
        existing.text !== evaluation.text ||
        existing.achievementStatus !== evaluation.achievementStatus
      ) {
        kept.push(`Goal/${goal.id}: evaluation ${evaluation.id} is kept as it was recorded`);
      }
    }
    for (const e of have.evaluations) {
      if (!goal.evaluations.some((x) => x.id === e.id)) {
        kept.push(`Goal/${goal.id}: evaluation ${e.id} is not in the bundle and is kept`);
      }
    }

    const now = state.goals.find((g) => g.id === goal.id)!;
    const changes = Object.fromEntries(
      (['description', 'priority', 'targetDate', 'lifecycleStatus', 'achievementStatus'] as const)
        .filter((f) => now[f] !== goal[f])
        .map((f) => [f, goal[f]]),
    );

    if (Object.keys(changes).length > 0) {
      add({ type: 'goal.update', goalId: goal.id, changes }, `Goal/${goal.id}`);
    }
  }
  for (const goal of state.goals) {
    if (!target.goals.some((g) => g.id === goal.id)) {
      kept.push(`Goal/${goal.id} is not in the bundle and is kept; cancel a goal to end it`);
    }
  }

  for (const action of target.actions) {
    const have = state.actions.find((a) => a.id === action.id);
    const wanted = { ...action, responsible: responsible(action.responsible) };

    if (!have) {
      add(
        {
          type: 'action.add',
          actionId: action.id,
          description: wanted.description,
          responsible: wanted.responsible,
          goalId: wanted.goalId,
          dueDate: wanted.dueDate,
        },
        `Task/${action.id}`,
      );
    } else {
      const changes = Object.fromEntries(
        (['description', 'responsible', 'goalId', 'dueDate'] as const)
          .filter((f) =>
            f === 'responsible'
              ? have.responsible.kind !== wanted.responsible.kind ||
                have.responsible.id !== wanted.responsible.id
              : have[f] !== wanted[f],
          )
          .map((f) => [f, wanted[f]]),
      );

      if (Object.keys(changes).length > 0) {
        add({ type: 'action.update', actionId: action.id, changes }, `Task/${action.id}`);
      }
    }

    const status = state.actions.find((a) => a.id === action.id)!.status;

    if (status !== action.status) {
      add(
        { type: 'action.setStatus', actionId: action.id, status: action.status },
        `Task/${action.id}.status`,
      );
    }
  }
  for (const action of state.actions) {
    if (!target.actions.some((a) => a.id === action.id)) {
      kept.push(`Task/${action.id} is not in the bundle and is kept; cancel a task to end it`);
    }
  }

  for (const note of target.notes) {
    const have = state.notes.find((n) => n.id === note.id);

    if (!have) {
      add(
        {
          type: 'note.add',
          noteId: note.id,
          kind: note.kind,
          text: note.text,
          meetingId: note.meetingId,
        },
        `CarePlan.note(${note.id})`,
      );
    } else if (
      have.kind !== note.kind ||
      have.text !== note.text ||
      have.meetingId !== note.meetingId
    ) {
      kept.push(`CarePlan.note(${note.id}) is kept as it was recorded`);
    }
  }
  for (const note of state.notes) {
    if (!target.notes.some((n) => n.id === note.id)) {
      kept.push(`CarePlan.note(${note.id}) is not in the bundle and is kept`);
    }
  }

  // An active individual plan must hold every part: make it one only once the rest is in, and
  // take it out of active before it stops being one.
  const flag = () => {
    if (state.isIndividualPlan !== target.isIndividualPlan) {
      add(
        { type: 'plan.setIndividualPlan', isIndividualPlan: target.isIndividualPlan },
        'CarePlan.category',
      );
    }
  };
  const status = () => {
    if (state.status !== target.status) {
      add({ type: 'plan.setStatus', status: target.status }, 'CarePlan.status');
    }
  };

  if (target.status === 'active') {
    flag();
    status();
  } else {
    status();
    flag();
  }

  return { operations, kept };
}
