import type {
  CarePlan,
  ParticipantRole,
  PlanDirectory,
  PlanOperation,
  Responsible,
} from '@teamrom/signaling/protocol';
import { PARTICIPANT_ROLES } from '@teamrom/signaling/protocol';

import { formatDate } from './dates.ts';
import { personName, responsibleName } from './directory.ts';
import type { PlanChangeNews } from './PlanAnnouncer.ts';

/** The translate function of i18next, as much of it as these helpers use. */
export type Translate = (key: string, values?: Record<string, unknown>) => string;

export interface WordsContext {
  t: Translate;
  language: string;
  directory: PlanDirectory;
  /** Where goals and actions named by id are looked up. */
  plan: CarePlan | null;
}

const DATE_FIELDS = new Set(['periodStart', 'periodEnd', 'nextReview', 'targetDate', 'dueDate']);

/** The description of a goal, or words for one this plan does not hold. */
export function goalName(ctx: WordsContext, goalId: string): string {
  return ctx.plan?.goals.find((g) => g.id === goalId)?.description ?? ctx.t('carePlan.unknownItem');
}

export function actionName(ctx: WordsContext, actionId: string): string {
  return (
    ctx.plan?.actions.find((a) => a.id === actionId)?.description ?? ctx.t('carePlan.unknownItem')
  );
}

export function responsibleWords(ctx: WordsContext, responsible: Responsible): string {
  return responsibleName(ctx.directory, responsible) ?? ctx.t('carePlan.unknownPerson');
}

/**
 * A field path of the plan (`sections.whatMatters`, `goals.<id>.priority`) in words, as the
 * object of a sentence: "the priority of the goal «Walk to the letterbox»".
 */
export function fieldWords(ctx: WordsContext, field: string): string {
  const { t } = ctx;
  const [head, id, sub] = field.split('.') as [string, string | undefined, string | undefined];

  if (head === 'sections' && id) {
    return t('carePlan.field.section', { section: t(`carePlan.section.${id}`) });
  }
  if (head === 'goals' && id && sub) {
    return t('carePlan.field.ofGoal', {
      field: t(`carePlan.field.goal.${sub}`),
      goal: goalName(ctx, id),
    });
  }
  if (head === 'actions' && id && sub) {
    return t('carePlan.field.ofAction', {
      field: t(`carePlan.field.action.${sub}`),
      action: actionName(ctx, id),
    });
  }

  return t(`carePlan.field.plan.${head}`);
}

/** What a field holds, in words: codes translated, dates written out, ids turned into names. */
export function valueWords(ctx: WordsContext, field: string, value: unknown): string {
  const { t, language } = ctx;
  const name = field.split('.').at(-1) ?? field;

  if (value === null || value === undefined || value === '') return t('carePlan.empty');
  if (typeof value === 'boolean') return value ? t('carePlan.yes') : t('carePlan.no');
  if (typeof value === 'object') return responsibleWords(ctx, value as Responsible);
  if (typeof value !== 'string') return String(value);
  if (DATE_FIELDS.has(name)) return formatDate(value, language);

  if (field === 'status') return t(`carePlan.status.${value}`);
  if (field.startsWith('goals.')) {
    if (name === 'priority') return t(`carePlan.priority.${value}`);
    if (name === 'lifecycleStatus') return t(`carePlan.lifecycle.${value}`);
    if (name === 'achievementStatus') return t(`carePlan.achievement.${value}`);
  }
  if (field.startsWith('actions.')) {
    if (name === 'status') return t(`carePlan.actionStatus.${value}`);
    if (name === 'goalId') return goalName(ctx, value);
  }

  return value;
}

/** One operation of the plan's history in plain words: what was changed, and to what. */
export function describeOperation(ctx: WordsContext, op: PlanOperation): string {
  const { t } = ctx;

  switch (op.type) {
    case 'plan.setStatus':
      return t('carePlan.history.op.setStatus', { status: t(`carePlan.status.${op.status}`) });
    case 'plan.setIndividualPlan':
      return op.isIndividualPlan
        ? t('carePlan.history.op.individualPlanOn')
        : t('carePlan.history.op.individualPlanOff');
    case 'plan.setDates': {
      const changes = (['periodStart', 'periodEnd', 'nextReview'] as const)
        .filter((f) => op[f] !== undefined)
        .map((f) => `${t(`carePlan.field.plan.${f}`)}: ${valueWords(ctx, f, op[f])}`);

      return t('carePlan.history.op.setDates', { changes: changes.join(', ') });
    }
    case 'section.set':
      return op.text.trim()
        ? t('carePlan.history.op.setSection', { section: t(`carePlan.section.${op.section}`) })
        : t('carePlan.history.op.clearSection', { section: t(`carePlan.section.${op.section}`) });
    case 'goal.add':
      return t('carePlan.history.op.addGoal', { goal: op.description });
    case 'goal.update':
      return t('carePlan.history.op.updateGoal', {
        goal: goalName(ctx, op.goalId),
        changes: Object.entries(op.changes)
          .map(
            ([f, v]) =>
              `${t(`carePlan.field.goal.${f}`)}: ${valueWords(ctx, `goals.${op.goalId}.${f}`, v)}`,
          )
          .join(', '),
      });
    case 'goal.evaluate':
      return t('carePlan.history.op.evaluateGoal', {
        goal: goalName(ctx, op.goalId),
        status: t(`carePlan.achievement.${op.achievementStatus}`),
      });
    case 'action.add':
      return t('carePlan.history.op.addAction', {
        action: op.description,
        responsible: responsibleWords(ctx, op.responsible),
      });
    case 'action.update':
      return t('carePlan.history.op.updateAction', {
        action: actionName(ctx, op.actionId),
        changes: Object.entries(op.changes)
          .map(
            ([f, v]) =>
              `${t(`carePlan.field.action.${f}`)}: ${valueWords(ctx, `actions.${op.actionId}.${f}`, v)}`,
          )
          .join(', '),
      });
    case 'action.setStatus':
      return t('carePlan.history.op.setActionStatus', {
        action: actionName(ctx, op.actionId),
        status: t(`carePlan.actionStatus.${op.status}`),
      });
    case 'note.add':
      return op.kind === 'decision'
        ? t('carePlan.history.op.addDecision', { text: op.text })
        : t('carePlan.history.op.addNote', { text: op.text });
    default: {
      const unknown: never = op;

      return String(unknown);
    }
  }
}

/** A participant role code in words, or nothing for a role the client does not know. */
export function roleWords(t: Translate, role: string | null): string | null {
  const isKnown = PARTICIPANT_ROLES.includes(role as ParticipantRole);

  return role && isKnown ? t(`role.${role}`) : null;
}

/**
 * Changes others made to the plan, as one announcement for a screen reader: who did what for a
 * single change ("Ingrid Berg set the action … to Done"), who made how many for several.
 */
export function announcementWords(ctx: WordsContext, changes: readonly PlanChangeNews[]): string {
  const { t, language } = ctx;
  const authorIds = [...new Set(changes.map((c) => c.applied.authorId))];
  const names = authorIds.map((id) => personName(ctx.directory, id) ?? t('carePlan.unknownPerson'));
  const [only] = changes;

  if (changes.length === 1 && only) {
    const what = describeOperation({ ...ctx, plan: only.plan }, only.applied.operation);

    // Every description of a change starts with its verb ("Set …", "Satte …"); after the
    // author's name it continues the sentence.
    return t('carePlan.announce.one', {
      name: names[0],
      what: what.charAt(0).toLocaleLowerCase(language) + what.slice(1),
    });
  }

  return t('carePlan.announce.many', {
    names: new Intl.ListFormat(language, { type: 'conjunction' }).format(names),
    count: changes.length,
  });
}
