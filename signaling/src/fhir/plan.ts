import type {
  Annotation,
  CarePlan as FhirCarePlan,
  Coding,
  Extension,
  Goal as FhirGoal,
  Task,
} from '@medplum/fhirtypes';

import type {
  CarePlan,
  CarePlanAction,
  Goal,
  GoalAchievementStatus,
  PlanNote,
  PlanSection,
} from '../protocol/index.ts';
import { PLAN_SECTIONS } from '../protocol/index.ts';
import {
  CARE_PLAN_STATUS,
  EXTENSION,
  GOAL_PRIORITY,
  INDIVIDUAL_PLAN_CATEGORY,
  NOTE_KIND_DISPLAY,
  SECTION_DISPLAY,
  SYSTEM,
  TASK_STATUS,
} from './codes.ts';
import type { PatientChart } from './model.ts';
import { ChartReferences, fhirId, prune } from './references.ts';

/*
 * The care plan as R4 resources: one CarePlan, a Goal per goal and a Task per action. What R4 has
 * no element for is kept in extensions of ours (see codes.ts), so that an import gives back the
 * same plan:
 * - each non-empty section (whatMatters, the crisis plan, ...): a `careplan-section` extension with
 *   the section's code and its text;
 * - the next review: `careplan-next-review`;
 * - the individual-plan flag: a CarePlan.category coding `individual-plan`;
 * - notes and decisions: CarePlan.note, with the note's id as the annotation's id and its kind and
 *   meeting in extensions;
 * - goal evaluations: Goal.note, with the evaluation's id, date and achievement in extensions.
 */

const ACHIEVEMENT_DISPLAY: Record<GoalAchievementStatus, string> = {
  'in-progress': 'In Progress',
  improving: 'Improving',
  worsening: 'Worsening',
  'no-change': 'No Change',
  achieved: 'Achieved',
  sustaining: 'Sustaining',
  'not-achieved': 'Not Achieved',
  'no-progress': 'No Progress',
  'not-attainable': 'Not Attainable',
};

export function achievementCoding(status: GoalAchievementStatus): Coding {
  return { system: SYSTEM.goalAchievement, code: status, display: ACHIEVEMENT_DISPLAY[status] };
}

export function carePlanResource(chart: PatientChart, plan: CarePlan): FhirCarePlan {
  const refs = new ChartReferences(chart);
  const sections: Extension[] = PLAN_SECTIONS.filter((s) => plan.sections[s] !== '').map(
    (section) => ({
      url: EXTENSION.section,
      extension: [
        { url: 'section', valueCoding: sectionCoding(section) },
        { url: 'text', valueString: plan.sections[section] },
      ],
    }),
  );

  return prune<FhirCarePlan>({
    resourceType: 'CarePlan',
    id: fhirId(plan.id),
    meta: { versionId: String(plan.version), lastUpdated: plan.updatedAt },
    extension: [
      ...sections,
      ...(plan.nextReview ? [{ url: EXTENSION.nextReview, valueDate: plan.nextReview }] : []),
    ],
    status: CARE_PLAN_STATUS[plan.status],
    intent: 'plan',
    category: plan.isIndividualPlan ? [{ coding: [{ ...INDIVIDUAL_PLAN_CATEGORY }] }] : [],
    subject: refs.patient(),
    period:
      plan.periodStart || plan.periodEnd
        ? { start: plan.periodStart ?? undefined, end: plan.periodEnd ?? undefined }
        : undefined,
    careTeam: [{ reference: `CareTeam/${fhirId(chart.patient.id)}` }],
    goal: plan.goals.map((g) => ({ reference: `Goal/${fhirId(g.id)}` })),
    activity: plan.actions.map((a) => ({ reference: { reference: `Task/${fhirId(a.id)}` } })),
    note: plan.notes.map((n) => noteAnnotation(refs, n)),
  });
}

function sectionCoding(section: PlanSection): Coding {
  return { system: SYSTEM.carePlanSection, code: section, display: SECTION_DISPLAY[section] };
}

function noteAnnotation(refs: ChartReferences, note: PlanNote): Annotation {
  return {
    id: note.id,
    extension: [
      {
        url: EXTENSION.noteKind,
        valueCoding: {
          system: SYSTEM.noteKind,
          code: note.kind,
          display: NOTE_KIND_DISPLAY[note.kind],
        },
      },
      ...(note.meetingId ? [{ url: EXTENSION.noteMeeting, valueString: note.meetingId }] : []),
    ],
    authorReference: refs.person(note.authorId),
    time: note.recordedAt || undefined,
    text: note.text,
  };
}

/** A goal in the patient's own words, with its evaluations as notes. */
export function goalResource(chart: PatientChart, goal: Goal): FhirGoal {
  const refs = new ChartReferences(chart);

  return prune<FhirGoal>({
    resourceType: 'Goal',
    id: fhirId(goal.id),
    lifecycleStatus: goal.lifecycleStatus,
    achievementStatus: goal.achievementStatus
      ? { coding: [achievementCoding(goal.achievementStatus)] }
      : undefined,
    priority: { coding: [{ system: SYSTEM.goalPriority, ...GOAL_PRIORITY[goal.priority] }] },
    description: { text: goal.description },
    subject: refs.patient(),
    // The goal is the patient's, in their words, even when the team writes it down.
    expressedBy: refs.patient(),
    target: goal.targetDate ? [{ dueDate: goal.targetDate }] : [],
    note: goal.evaluations.map((e) => ({
      id: e.id,
      extension: [
        { url: EXTENSION.evaluationDate, valueDate: e.date },
        {
          url: EXTENSION.evaluationAchievement,
          valueCoding: achievementCoding(e.achievementStatus),
        },
      ],
      authorReference: refs.person(e.authorId),
      time: e.recordedAt || undefined,
      text: e.text,
    })),
  });
}

/** An action of the plan: who carries it out, for which goal, by when. */
export function taskResource(chart: PatientChart, plan: CarePlan, action: CarePlanAction): Task {
  const refs = new ChartReferences(chart);

  return prune<Task>({
    resourceType: 'Task',
    id: fhirId(action.id),
    basedOn: [{ reference: `CarePlan/${fhirId(plan.id)}` }],
    status: TASK_STATUS[action.status],
    intent: 'plan',
    description: action.description,
    for: refs.patient(),
    authoredOn: action.createdAt || undefined,
    owner: refs.responsible(action.responsible),
    reasonReference: action.goalId ? { reference: `Goal/${fhirId(action.goalId)}` } : undefined,
    restriction: action.dueDate ? { period: { end: action.dueDate } } : undefined,
  });
}
