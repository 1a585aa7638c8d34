import type { CarePlan, NoteKind, PlanAccess, PlanOperation } from '@teamrom/signaling/protocol';
import { NOTE_KINDS, reduce } from '@teamrom/signaling/protocol';

import type { CarePlanState } from './CarePlanStore.ts';

/** What a pending change touches, so that the view can mark it as being saved. */
export function pendingTarget(operation: PlanOperation): string {
  switch (operation.type) {
    case 'plan.setStatus':
      return 'status';
    case 'plan.setIndividualPlan':
      return 'isIndividualPlan';
    case 'plan.setDates':
      return 'dates';
    case 'section.set':
      return `sections.${operation.section}`;
    case 'goal.add':
    case 'goal.update':
      return operation.goalId;
    case 'goal.evaluate':
      return operation.evaluationId;
    case 'action.add':
    case 'action.update':
    case 'action.setStatus':
      return operation.actionId;
    case 'note.add':
      return operation.noteId;
    default: {
      const unknown: never = operation;

      return String(unknown);
    }
  }
}

/**
 * The plan as its reader expects to see it: the confirmed plan with the changes still pending on
 * top, and what those pending changes touch. A pending change that no longer fits is left out.
 */
export function planView(state: CarePlanState): { plan: CarePlan | null; saving: Set<string> } {
  const saving = new Set<string>();
  let plan = state.plan;

  for (const change of state.pending) {
    saving.add(pendingTarget(change.operation));
    if (!plan) continue;

    try {
      plan = reduce(plan, change.operation, { version: plan.version, authorId: '', appliedAt: '' });
    } catch {
      // Refers to something no longer in the plan; the server will refuse it and say so.
    }
  }

  return { plan, saving };
}

/**
 * The kinds of note a reader may write. Decisions are the team's; the patient, who writes only in
 * their own words, adds notes (the server refuses a patient's decision).
 */
export function noteKindsFor(access: Pick<PlanAccess, 'canEdit' | 'canEditOwnWords'>): NoteKind[] {
  if (access.canEditOwnWords) return ['note'];

  return access.canEdit ? [...NOTE_KINDS] : [];
}
