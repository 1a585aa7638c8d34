import type { Bundle, Resource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';

import { AppError } from '../errors.ts';
import type { CarePlan, PlanOperation } from '../protocol/index.ts';
import { emptyPlan, reduce } from '../protocol/index.ts';
import { IDS, syntheticChart, syntheticPlan } from '../testing/fhirChart.ts';
import { chartResources, searchsetBundle } from './bundle.ts';
import { EXTENSION } from './codes.ts';
import { readImportBundle } from './importBundle.ts';
import { planChanges } from './planDiff.ts';

const FACTS = { hasCoordinator: true, hasPlanConsent: true };
const CONTEXT = { patientPersonId: 'person-pasient', facts: FACTS };
const NEW_ID = '9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d';

function exported(plan: CarePlan = syntheticPlan()): Bundle {
  const chart = { ...syntheticChart(), plan };

  return searchsetBundle(chartResources(chart, { consents: true, audit: true }), {
    baseUrl: 'https://teamrom.test/fhir',
    selfUrl: 'https://teamrom.test/fhir/Patient/patient-test/$everything',
    timestamp: '2026-12-01T10:00:00.000Z',
    matches: 1,
  });
}

/** The bundle with one resource changed by `edit`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests poke at FHIR JSON freely
function editing(bundle: Bundle, type: string, id: string | undefined, edit: (r: any) => void) {
  const copy = structuredClone(bundle);
  const entry = copy.entry?.find(
    (e) => e.resource?.resourceType === type && (id === undefined || e.resource.id === id),
  );

  if (!entry?.resource) throw new Error(`no ${type} in the bundle`);
  edit(entry.resource);

  return copy;
}

function applyAll(plan: CarePlan, operations: PlanOperation[]): CarePlan {
  return operations.reduce(
    (state, op, i) =>
      reduce(state, op, { version: plan.version + i + 1, authorId: 'importer', appliedAt: 'now' }),
    plan,
  );
}

/** The plan as an import can reproduce it: no versions, times or authors of records. */
function content(plan: CarePlan) {
  return {
    status: plan.status,
    isIndividualPlan: plan.isIndividualPlan,
    periodStart: plan.periodStart,
    periodEnd: plan.periodEnd,
    nextReview: plan.nextReview,
    sections: plan.sections,
    goals: plan.goals.map((g) => ({
      ...g,
      evaluations: g.evaluations.map(({ authorId: _a, recordedAt: _r, ...e }) => e),
    })),
    actions: plan.actions.map(({ createdAt: _c, ...a }) => a),
    notes: plan.notes.map(({ authorId: _a, recordedAt: _r, ...n }) => n),
  };
}

function refusal(work: () => unknown): { message: string; expression?: string[] } {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('invalid_request');

    return {
      message: (error as AppError).message,
      expression: ((error as AppError).details as { expression?: string[] }).expression,
    };
  }
  throw new Error('the import was not refused');
}

describe('import of an exported care plan', () => {
  it('rebuilds the same plan from its export onto an empty plan', () => {
    const plan = syntheticPlan();
    const target = readImportBundle(exported(plan));
    const { operations, kept } = planChanges(emptyPlan('new', 'patient-test', ''), target, CONTEXT);

    expect(content(applyAll(emptyPlan('new', 'patient-test', ''), operations))).toEqual(
      content(plan),
    );
    expect(kept).toEqual([]);
    expect(target.subject).toEqual({
      id: 'patient-test',
      identifier: {
        system: 'urn:oid:2.16.578.1.12.4.1.4.1',
        value: syntheticChart().patient.identifierValue,
      },
    });
  });

  it('changes nothing when the plan already is what the bundle holds', () => {
    const plan = syntheticPlan();
    // As PostgreSQL gives jsonb back: keys in its own order.
    const stored = {
      ...plan,
      actions: plan.actions.map((a) => ({
        ...a,
        responsible: { id: a.responsible.id, kind: a.responsible.kind } as typeof a.responsible,
      })),
    };

    expect(planChanges(stored, readImportBundle(exported(plan)), CONTEXT)).toEqual({
      operations: [],
      kept: [],
    });
  });

  it('puts back changed fields, and reports what a plan never takes back', () => {
    const plan = syntheticPlan();
    const bundle = exported(plan);
    const changed = applyAll(plan, [
      { type: 'section.set', section: 'crisisWhatToDo', text: 'Ring legevakten.' },
      {
        type: 'goal.update',
        goalId: IDS.goalWalk,
        changes: { description: 'Gå lenger', priority: 'medium' },
      },
      { type: 'action.setStatus', actionId: IDS.actionSelf, status: 'done' },
      { type: 'note.add', noteId: NEW_ID, kind: 'note', text: 'Nytt notat.', meetingId: null },
      { type: 'plan.setStatus', status: 'draft' },
    ]);
    const { operations, kept } = planChanges(changed, readImportBundle(bundle), CONTEXT);

    expect(operations.map((o) => o.type)).toEqual([
      'section.set',
      'goal.update',
      'action.setStatus',
      'plan.setStatus',
    ]);
    expect(content(applyAll(changed, operations))).toEqual({
      ...content(plan),
      notes: [
        ...content(plan).notes,
        { id: NEW_ID, kind: 'note', text: 'Nytt notat.', meetingId: null },
      ],
    });
    expect(kept).toEqual([`CarePlan.note(${NEW_ID}) is not in the bundle and is kept`]);
  });

  it('adds new goals before the tasks that serve them, and evaluates before setting achievement', () => {
    const bundle = editing(exported(), 'Goal', IDS.goalSleep, (goal) => {
      goal.id = NEW_ID;
      goal.achievementStatus = {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/goal-achievement', code: 'achieved' },
        ],
      };
    });
    const withRefs = editing(
      editing(bundle, 'CarePlan', undefined, (plan) => {
        plan.goal[1].reference = `Goal/${NEW_ID}`;
      }),
      'Task',
      IDS.actionSelf,
      (task) => {
        task.reasonReference.reference = `Goal/${NEW_ID}`;
      },
    );
    const { operations } = planChanges(syntheticPlan(), readImportBundle(withRefs), CONTEXT);

    expect(operations).toEqual([
      {
        type: 'goal.add',
        goalId: NEW_ID,
        description: 'Sove hele natten',
        priority: 'low',
        targetDate: null,
      },
      {
        type: 'goal.update',
        goalId: NEW_ID,
        changes: { lifecycleStatus: 'on-hold', achievementStatus: 'achieved' },
      },
      { type: 'action.update', actionId: IDS.actionSelf, changes: { goalId: NEW_ID } },
    ]);
  });

  it('refuses what is not a Bundle holding one CarePlan', () => {
    expect(refusal(() => readImportBundle([])).message).toBe('the body must be a FHIR Bundle');
    expect(refusal(() => readImportBundle({ resourceType: 'Patient' })).expression).toEqual([
      'Bundle.resourceType',
    ]);
    expect(
      refusal(() => readImportBundle({ resourceType: 'Bundle', type: 'collection' })).message,
    ).toBe('the bundle must hold one CarePlan; it holds 0');

    const twice = structuredClone(exported());
    const plan = twice.entry!.find((e) => e.resource?.resourceType === 'CarePlan')!;

    twice.entry!.push({ ...plan, fullUrl: 'urn:uuid:9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6e' });
    expect(refusal(() => readImportBundle(twice)).message).toBe(
      'the bundle must hold one CarePlan; it holds 2',
    );
  });

  it('refuses a plan, goal or task in a state Teamrom does not keep, saying where', () => {
    const cases: [Bundle, string][] = [
      [
        editing(exported(), 'CarePlan', undefined, (p) => (p.status = 'revoked')),
        'CarePlan.status',
      ],
      [editing(exported(), 'CarePlan', undefined, (p) => (p.intent = 'order')), 'CarePlan.intent'],
      [
        editing(exported(), 'CarePlan', undefined, (p) => (p.subject = { reference: 'Group/g' })),
        'CarePlan.subject',
      ],
      [
        editing(exported(), 'Goal', IDS.goalWalk, (g) => (g.lifecycleStatus = 'rejected')),
        `Goal/${IDS.goalWalk}.lifecycleStatus`,
      ],
      [
        editing(exported(), 'Goal', IDS.goalWalk, (g) => (g.priority.coding[0].code = 'urgent')),
        `Goal/${IDS.goalWalk}.priority`,
      ],
      [
        editing(
          exported(),
          'Goal',
          IDS.goalWalk,
          (g) => (g.achievementStatus.coding[0].code = 'great'),
        ),
        `Goal/${IDS.goalWalk}.achievementStatus`,
      ],
      [
        editing(exported(), 'Goal', IDS.goalWalk, (g) => (g.description = { coding: [] })),
        `Goal/${IDS.goalWalk}.description`,
      ],
      [
        editing(exported(), 'Goal', IDS.goalWalk, (g) => delete g.note[0].id),
        `Goal/${IDS.goalWalk}.note[0]`,
      ],
      [
        editing(exported(), 'Task', IDS.actionHome, (t) => (t.status = 'accepted')),
        `Task/${IDS.actionHome}.status`,
      ],
      [
        editing(exported(), 'Task', IDS.actionHome, (t) => delete t.owner),
        `Task/${IDS.actionHome}.owner`,
      ],
      [
        editing(exported(), 'Task', IDS.actionHome, (t) => delete t.description),
        `Task/${IDS.actionHome}.description`,
      ],
      [
        editing(exported(), 'CarePlan', undefined, (p) => (p.goal[0].reference = 'Goal/missing')),
        'CarePlan.goal[0]',
      ],
      [
        editing(
          exported(),
          'CarePlan',
          undefined,
          (p) => (p.activity[0] = { detail: { status: 'scheduled' } }),
        ),
        'CarePlan.activity[0].reference',
      ],
      [editing(exported(), 'CarePlan', undefined, (p) => delete p.note[0].id), 'CarePlan.note[0]'],
      [
        editing(exported(), 'CarePlan', undefined, (p) => {
          p.extension.find(
            (e: { url: string }) => e.url === EXTENSION.section,
          ).extension[0].valueCoding.code = 'wishes';
        }),
        'CarePlan.extension(careplan-section)[0]',
      ],
    ];

    for (const [bundle, where] of cases) {
      expect(refusal(() => readImportBundle(bundle)).expression, where).toEqual([where]);
    }
  });

  it('refuses changes the plan itself would refuse, before any is applied', () => {
    const notUuid = editing(
      editing(exported(), 'Goal', IDS.goalSleep, (g) => (g.id = 'goal-new')),
      'CarePlan',
      undefined,
      (p) => (p.goal[1].reference = 'Goal/goal-new'),
    );
    const blank = editing(exported(), 'Task', IDS.actionHome, (t) => (t.description = '   '));
    const missingParts = editing(exported(), 'CarePlan', undefined, (p) => {
      p.extension = p.extension.filter((e: { url: string }) => e.url !== EXTENSION.section);
    });
    const current = syntheticPlan();

    expect(refusal(() => planChanges(current, readImportBundle(notUuid), CONTEXT))).toMatchObject({
      message: expect.stringMatching(/^Goal\/goal-new: goalId: /),
      expression: ['Goal/goal-new'],
    });
    expect(refusal(() => planChanges(current, readImportBundle(blank), CONTEXT))).toMatchObject({
      message: `Task/${IDS.actionHome}: description: no visible text`,
    });
    expect(
      refusal(() =>
        planChanges({ ...current, status: 'draft' }, readImportBundle(missingParts), CONTEXT),
      ).message,
    ).toBe(
      'CarePlan.status: an individual plan cannot be active until it holds every required part',
    );
  });

  it('takes the patient as owner of a task, and notes without evaluation data as remarks only', () => {
    const bundle = editing(exported(), 'Goal', IDS.goalWalk, (g) => {
      g.note.push({ text: 'En løs kommentar.' });
    });
    const target = readImportBundle(bundle);

    expect(target.actions.find((a) => a.id === IDS.actionSelf)?.responsible).toEqual({
      kind: 'patient',
    });
    expect(target.goals[0]?.evaluations.map((e) => e.id)).toEqual([IDS.evaluation]);
    expect(
      planChanges(syntheticPlan(), target, CONTEXT).operations.filter(
        (o) => o.type === 'action.update',
      ),
    ).toEqual([]);
  });

  it('keeps a recorded evaluation as it was, and says so', () => {
    const bundle = editing(
      exported(),
      'Goal',
      IDS.goalWalk,
      (g) => (g.note[0].text = 'Omskrevet.'),
    );

    expect(planChanges(syntheticPlan(), readImportBundle(bundle), CONTEXT)).toEqual({
      operations: [],
      kept: [`Goal/${IDS.goalWalk}: evaluation ${IDS.evaluation} is kept as it was recorded`],
    });
  });

  it('reads references by full URL as well as by type and id', () => {
    const bundle = structuredClone(exported());
    const byUrl = new Map<string, string>();

    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource as Resource;
      const url = `urn:uuid:00000000-0000-4000-8000-${String(byUrl.size).padStart(12, '0')}`;

      byUrl.set(`${resource.resourceType}/${resource.id}`, url);
      entry.fullUrl = url;
    }

    const plan = bundle.entry!.find((e) => e.resource?.resourceType === 'CarePlan')!.resource as {
      goal: { reference: string }[];
    };

    plan.goal = plan.goal.map((g) => ({ reference: byUrl.get(g.reference)! }));
    expect(readImportBundle(bundle).goals.map((g) => g.id)).toEqual([IDS.goalWalk, IDS.goalSleep]);
  });
});
