import { describe, expect, it } from 'vitest';

import { demoPlan } from '../demo/seed.ts';
import type { CarePlan, PlanFacts, PlanOperation } from './careplan.ts';
import { planOperationSchema } from './careplan.ts';
import { checkOperation, emptyPlan, missingIndividualPlanParts, reduce } from './planReducer.ts';

const FACTS: PlanFacts = { hasCoordinator: true, hasPlanConsent: true };
const GOAL_ID = '00000000-0000-4000-8000-000000000001';

let clock = 0;

/** Checks and applies an operation as the server does, as the next version. */
function apply(plan: CarePlan, input: unknown, baseVersion = plan.version, facts = FACTS) {
  const op: PlanOperation = planOperationSchema.parse(input);

  checkOperation(plan, op, baseVersion, facts);

  return reduce(plan, op, {
    version: plan.version + 1,
    authorId: 'person-test',
    appliedAt: new Date(Date.UTC(2026, 11, 1, 0, 0, clock++)).toISOString(),
  });
}

describe('the care-plan reducer', () => {
  it('lets changes to different fields of one goal, made from the same version, both land', () => {
    const base = apply(emptyPlan('p', 'pt', '2026-12-01T00:00:00.000Z'), {
      type: 'goal.add',
      goalId: GOAL_ID,
      description: 'Gå til butikken',
    });
    const first = apply(base, {
      type: 'goal.update',
      goalId: GOAL_ID,
      changes: { priority: 'high' },
    });
    const second = apply(
      first,
      { type: 'goal.update', goalId: GOAL_ID, changes: { targetDate: '2027-06-01' } },
      base.version,
    );

    expect(second.goals[0]).toMatchObject({ priority: 'high', targetDate: '2027-06-01' });
  });

  it('refuses a change to a field changed since its base version, with the current value', () => {
    const base = demoPlan();
    const changed = apply(base, {
      type: 'section.set',
      section: 'crisisWhatToDo',
      text: 'Ring legevakten.',
    });

    expect(() =>
      apply(changed, { type: 'section.set', section: 'crisisWhatToDo', text: 'Ring Liv.' }, 0),
    ).toThrow(
      expect.objectContaining({
        code: 'plan_conflict',
        details: { field: 'sections.crisisWhatToDo', current: 'Ring legevakten.', version: 1 },
      }),
    );
  });

  it('accepts a stale change that writes the value the field already has', () => {
    const changed = apply(demoPlan(), {
      type: 'action.setStatus',
      actionId: 'action-meds',
      status: 'done',
    });

    expect(() =>
      apply(changed, { type: 'action.setStatus', actionId: 'action-meds', status: 'done' }, 0),
    ).not.toThrow();
  });

  it('sees a value read back with its keys in another order as the same value', () => {
    const stored = apply(demoPlan(), {
      type: 'action.update',
      actionId: 'action-meds',
      changes: { responsible: { kind: 'organisation', id: 'org-gp' } },
    });
    // jsonb gives objects back with their keys sorted by length, then bytes: id before kind.
    const readBack: CarePlan = JSON.parse(
      JSON.stringify(stored).replace(
        '"responsible":{"kind":"organisation","id":"org-gp"}',
        '"responsible":{"id":"org-gp","kind":"organisation"}',
      ),
    );

    expect(readBack.actions.find((a) => a.id === 'action-meds')?.responsible).toEqual({
      id: 'org-gp',
      kind: 'organisation',
    });
    expect(() =>
      apply(
        readBack,
        {
          type: 'action.update',
          actionId: 'action-meds',
          changes: { responsible: { kind: 'organisation', id: 'org-gp' } },
        },
        0,
      ),
    ).not.toThrow();
  });

  it('keeps an individual plan from becoming active until all nine parts are there', () => {
    const draft = apply(emptyPlan('p', 'pt', '2026-12-01T00:00:00.000Z'), {
      type: 'plan.setIndividualPlan',
      isIndividualPlan: true,
    });

    expect(
      missingIndividualPlanParts(draft, { hasCoordinator: false, hasPlanConsent: false }),
    ).toEqual([
      'goalsResourcesAndNeeds',
      'participants',
      'coordinator',
      'contributions',
      'measures',
      'implementation',
      'periodAndReview',
      'consent',
      'cooperation',
    ]);
    expect(() => apply(draft, { type: 'plan.setStatus', status: 'active' })).toThrow(
      expect.objectContaining({
        code: 'invalid_request',
        details: { missingParts: expect.arrayContaining(['measures', 'participants']) },
      }),
    );
    // The demo plan holds every part; without the consent it cannot be made active again.
    const demo = { ...demoPlan(), status: 'draft' as const };

    expect(apply(demo, { type: 'plan.setStatus', status: 'active' }).status).toBe('active');
    expect(() =>
      apply(demo, { type: 'plan.setStatus', status: 'active' }, demo.version, {
        hasCoordinator: true,
        hasPlanConsent: false,
      }),
    ).toThrow(expect.objectContaining({ details: { missingParts: ['consent'] } }));
  });

  it('keeps an active individual plan whole: a change that takes a part away is refused', () => {
    const plan = demoPlan();

    for (const op of [
      { type: 'section.set', section: 'participants', text: '' },
      { type: 'plan.setDates', periodStart: null },
      { type: 'section.set', section: 'cooperation', text: '\u200b\u3164' },
    ]) {
      expect(() => apply(plan, op), JSON.stringify(op)).toThrow(
        expect.objectContaining({ code: 'invalid_request' }),
      );
    }
    // Changing a part's text, or a section that is no part, is fine.
    expect(() =>
      apply(plan, { type: 'section.set', section: 'participants', text: 'Astrid og Liv' }),
    ).not.toThrow();
    expect(() =>
      apply(plan, { type: 'section.set', section: 'crisisContacts', text: '' }),
    ).not.toThrow();
  });

  it('counts a part holding only invisible characters as missing', () => {
    const plan = {
      ...demoPlan(),
      sections: { ...demoPlan().sections, cooperation: '\u200b \u2800' },
    };

    expect(missingIndividualPlanParts(plan, FACTS)).toEqual(['cooperation']);
  });

  it('refuses text with a lone surrogate, which no database can store', () => {
    for (const text of ['a\ud800b', '\udc00', 'ok \ud83d']) {
      expect(
        planOperationSchema.safeParse({ type: 'section.set', section: 'whatMatters', text })
          .success,
        JSON.stringify(text),
      ).toBe(false);
    }
    expect(
      planOperationSchema.safeParse({
        type: 'section.set',
        section: 'whatMatters',
        text: 'Kaffe ☕️ 😀',
      }).success,
    ).toBe(true);
  });

  it('refuses references to goals and actions the plan does not hold, and reused ids', () => {
    const plan = demoPlan();

    expect(() =>
      apply(plan, { type: 'action.setStatus', actionId: 'action-none', status: 'done' }),
    ).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() =>
      apply(plan, {
        type: 'action.add',
        actionId: GOAL_ID,
        description: 'Tiltak',
        responsible: { kind: 'person', id: 'person-per' },
        goalId: 'goal-none',
      }),
    ).toThrow(expect.objectContaining({ code: 'not_found' }));

    const once = apply(plan, { type: 'goal.add', goalId: GOAL_ID, description: 'Mål' });

    expect(() => apply(once, { type: 'goal.add', goalId: GOAL_ID, description: 'Mål' })).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });

  it('refuses a period that ends before it starts', () => {
    expect(() => apply(demoPlan(), { type: 'plan.setDates', periodEnd: '2026-01-01' })).toThrow(
      expect.objectContaining({ code: 'invalid_request' }),
    );
  });

  it('never changes the plan it is given', () => {
    const plan = demoPlan();
    const copy = structuredClone(plan);

    apply(plan, {
      type: 'goal.evaluate',
      evaluationId: GOAL_ID,
      goalId: 'goal-walk',
      date: '2026-12-01',
      text: 'Går til postkassen tre dager i uken',
      achievementStatus: 'improving',
    });

    expect(plan).toEqual(copy);
  });

  it('records a dated evaluation and takes its achievement status for the goal', () => {
    const evaluated = apply(demoPlan(), {
      type: 'goal.evaluate',
      evaluationId: GOAL_ID,
      goalId: 'goal-walk',
      date: '2026-12-01',
      text: 'Går til postkassen tre dager i uken',
      achievementStatus: 'improving',
    });
    const goal = evaluated.goals.find((g) => g.id === 'goal-walk')!;

    expect(goal.achievementStatus).toBe('improving');
    expect(goal.evaluations).toEqual([
      expect.objectContaining({ date: '2026-12-01', authorId: 'person-test' }),
    ]);
  });

  it('refuses operations with hidden characters or nothing visible, before any rule runs', () => {
    for (const text of [
      '\u202eevil',
      '\u200b\u200b',
      '   ',
      '\u3164',
      '\u2800',
      'e\u0301'.slice(1),
    ]) {
      expect(
        planOperationSchema.safeParse({
          type: 'note.add',
          noteId: GOAL_ID,
          kind: 'note',
          text,
        }).success,
        JSON.stringify(text),
      ).toBe(false);
    }
  });
});
