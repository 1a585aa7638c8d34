import type { CarePlan, PlanDirectory, PlanOperation } from '@teamrom/signaling/protocol';
import { emptyPlan } from '@teamrom/signaling/protocol';
import i18next from 'i18next';
import { describe, expect, it } from 'vitest';

import en from '../i18n/locales/en.json';
import nb from '../i18n/locales/nb.json';

import { isOverdue, today } from './dates.ts';
import { parseResponsible, responsibleName, responsibleOptions } from './directory.ts';
import type { WordsContext } from './words.ts';
import { announcementWords, describeOperation, fieldWords, valueWords } from './words.ts';

/** Translates to the key with its values, so that tests see what was asked for. */
const t = (key: string, values?: Record<string, unknown>) =>
  values ? `${key}${JSON.stringify(values)}` : key;

const directory: PlanDirectory = {
  persons: {
    'person-kari': { name: 'Kari Nordmann', role: 'coordinator', organisation: 'Fjellvik' },
  },
  organisations: { 'org-home': { name: 'Hjemmesykepleien' } },
};

const plan: CarePlan = {
  ...emptyPlan('plan-1', 'patient-1', '2026-11-01T10:00:00.000Z'),
  goals: [
    {
      id: 'goal-walk',
      description: 'Gå til postkassen',
      priority: 'high',
      targetDate: null,
      lifecycleStatus: 'active',
      achievementStatus: null,
      evaluations: [],
    },
  ],
  actions: [
    {
      id: 'action-physio',
      description: 'Balansetrening',
      responsible: { kind: 'organisation', id: 'org-home' },
      status: 'open',
      goalId: 'goal-walk',
      dueDate: '2026-12-15',
      createdAt: '',
    },
  ],
};

const ctx: WordsContext = { t, language: 'nb', directory, plan };

describe('the plan in words', () => {
  it('names a conflicting field and what it holds now, without codes', () => {
    expect(fieldWords(ctx, 'actions.action-physio.status')).toContain('Balansetrening');
    expect(valueWords(ctx, 'actions.action-physio.status', 'in_progress')).toBe(
      'carePlan.actionStatus.in_progress',
    );
    expect(valueWords(ctx, 'goals.goal-walk.achievementStatus', 'not-achieved')).toBe(
      'carePlan.achievement.not-achieved',
    );
    expect(valueWords(ctx, 'nextReview', '2027-03-01')).toBe('1. mars 2027');
    expect(valueWords(ctx, 'sections.whatMatters', '')).toBe('carePlan.empty');
    expect(
      valueWords(ctx, 'actions.action-physio.responsible', {
        kind: 'organisation',
        id: 'org-home',
      }),
    ).toBe('Hjemmesykepleien');
  });

  it('describes each kind of change by what it did to which item', () => {
    expect(
      describeOperation(ctx, {
        type: 'action.setStatus',
        actionId: 'action-physio',
        status: 'done',
      }),
    ).toBe(
      'carePlan.history.op.setActionStatus{"action":"Balansetrening","status":"carePlan.actionStatus.done"}',
    );
    expect(
      describeOperation(ctx, { type: 'section.set', section: 'crisisWhatToDo', text: '' }),
    ).toContain('carePlan.history.op.clearSection');
    expect(
      describeOperation(ctx, {
        type: 'goal.update',
        goalId: 'goal-walk',
        changes: { priority: 'low' },
      }),
    ).toContain('carePlan.priority.low');
  });
});

describe('changes by others, announced', () => {
  const words = async (language: string, changes: [string, PlanOperation][]) => {
    const i18n = i18next.createInstance();

    await i18n.init({
      resources: { nb: { translation: nb }, en: { translation: en } },
      lng: language,
      interpolation: { escapeValue: false },
    });

    const news = changes.map(([authorId, operation], i) => ({
      applied: { planId: plan.id, version: i + 1, operation, authorId, appliedAt: '' },
      plan,
    }));

    return announcementWords({ t: i18n.t, language, directory, plan: null }, news);
  };
  const done: PlanOperation = {
    type: 'action.setStatus',
    actionId: 'action-physio',
    status: 'done',
  };

  it('says who did what to which item, in one plain sentence', async () => {
    expect(await words('nb', [['person-kari', done]])).toBe(
      'Kari Nordmann satte tiltaket «Balansetrening» til «Ferdig».',
    );
    expect(await words('en', [['person-kari', done]])).toBe(
      'Kari Nordmann set the action “Balansetrening” to “Done”.',
    );
  });

  it('says who made how many changes in a burst, and names someone unknown as such', async () => {
    const note: PlanOperation = {
      type: 'note.add',
      noteId: 'note-1',
      kind: 'note',
      text: 'Hei',
      meetingId: null,
    };

    expect(
      await words('nb', [
        ['person-kari', done],
        ['person-kari', note],
        ['person-gone', note],
      ]),
    ).toBe('Kari Nordmann og Ukjent person gjorde 3 endringer i planen.');
  });
});

describe('directory and dates', () => {
  it('names the responsible person with their organisation, or the organisation', () => {
    expect(responsibleName(directory, { kind: 'person', id: 'person-kari' })).toBe(
      'Kari Nordmann (Fjellvik)',
    );
    expect(responsibleName(directory, { kind: 'organisation', id: 'nowhere' })).toBeNull();
    expect(responsibleOptions(directory).map((o) => o.value)).toEqual([
      'organisation:org-home',
      'person:person-kari',
    ]);
    expect(parseResponsible('person:person-kari')).toEqual({ kind: 'person', id: 'person-kari' });
    expect(parseResponsible('nobody')).toBeNull();
  });

  it('calls an action overdue only while it is still to be done', () => {
    const action = plan.actions[0]!;

    expect(today(new Date(2026, 11, 16))).toBe('2026-12-16');
    expect(isOverdue(action, '2026-12-16')).toBe(true);
    expect(isOverdue(action, '2026-12-15')).toBe(false);
    expect(isOverdue({ ...action, status: 'done' }, '2026-12-16')).toBe(false);
  });
});
