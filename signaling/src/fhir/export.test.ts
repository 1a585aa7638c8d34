import type {
  AuditEvent,
  CarePlan as FhirCarePlan,
  CareTeam,
  Consent,
  Goal as FhirGoal,
  Organization,
  Patient,
  Practitioner,
  RelatedPerson,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';

import {
  ACTION_STATUSES,
  GOAL_ACHIEVEMENT_STATUSES,
  GOAL_LIFECYCLE_STATUSES,
  GOAL_PRIORITIES,
  PLAN_STATUSES,
} from '../protocol/index.ts';
import { IDS, syntheticChart } from '../testing/fhirChart.ts';
import { inR4ValueSet, r4, r4Problems } from '../testing/fhirR4.ts';
import { chartResources, errorOutcome, informationOutcome, searchsetBundle } from './bundle.ts';
import { capabilityStatement } from './capability.ts';
import {
  CARE_PLAN_STATUS,
  EXTENSION,
  GOAL_PRIORITY,
  IDENTIFIER,
  SYSTEM,
  TASK_STATUS,
} from './codes.ts';
import type { PatientChart } from './model.ts';
import { READABLE_TYPES } from './FhirService.ts';
import { fhirId } from './references.ts';

const VS = (name: string) => `http://hl7.org/fhir/ValueSet/${name}`;

function byType<T extends Resource>(resources: Resource[], type: T['resourceType']): T[] {
  return resources.filter((r) => r.resourceType === type) as T[];
}

function one<T extends Resource>(resources: Resource[], type: T['resourceType'], id: string): T {
  const found = resources.find((r) => r.resourceType === type && r.id === id);

  if (!found) throw new Error(`no ${type}/${id}`);

  return found as T;
}

describe('FHIR R4 export of a patient chart', () => {
  let chart: PatientChart;
  let resources: Resource[];

  beforeAll(() => {
    r4();
    chart = syntheticChart();
    resources = chartResources(chart, { consents: true, audit: true });
  });

  it('gives every resource as R4 defines it, with bound codes from R4 value sets', () => {
    const problems = resources.flatMap((r) =>
      r4Problems(r).map((p) => `${r.resourceType}/${r.id}: ${p}`),
    );

    expect(problems).toEqual([]);
    expect(new Set(resources.map((r) => r.resourceType))).toEqual(
      new Set([
        'Patient',
        'CareTeam',
        'CarePlan',
        'Goal',
        'Task',
        'Consent',
        'AuditEvent',
        'Practitioner',
        'RelatedPerson',
        'Organization',
      ]),
    );
  });

  it('wraps the chart, a search, the capability statement and outcomes as valid R4 too', () => {
    const bundle = searchsetBundle(resources, {
      baseUrl: 'https://teamrom.test/fhir',
      selfUrl: 'https://teamrom.test/fhir/Patient/patient-test/$everything',
      timestamp: '2026-12-01T10:00:00.000Z',
      matches: 1,
    });

    expect(r4Problems(bundle)).toEqual([]);
    expect(bundle.entry?.[0]).toMatchObject({
      fullUrl: 'https://teamrom.test/fhir/Patient/patient-test',
      search: { mode: 'match' },
    });
    expect(bundle.entry?.[1]?.search?.mode).toBe('include');
    expect(
      r4Problems(
        searchsetBundle([], {
          baseUrl: 'x',
          selfUrl: 'https://t/fhir/Patient',
          timestamp: '2026-12-01T10:00:00Z',
        }),
      ),
    ).toEqual([]);
    expect(r4Problems(capabilityStatement('https://teamrom.test/fhir', READABLE_TYPES))).toEqual(
      [],
    );
    expect(r4Problems(errorOutcome('forbidden', 'not yours', ['Patient']))).toEqual([]);
    expect(r4Problems(informationOutcome('done', ['kept one']))).toEqual([]);
  });

  it('is checked by a validator that finds what R4 refuses', () => {
    const goal = one<FhirGoal>(resources, 'Goal', IDS.goalWalk);
    const task = one<Task>(resources, 'Task', IDS.actionHome);

    expect(r4Problems({ ...goal, lifecycleStatus: 'paused' as 'active' })).toEqual([
      "Goal.lifecycleStatus: 'paused' is not in http://hl7.org/fhir/ValueSet/goal-status|4.0.1",
    ]);
    expect(
      r4Problems({
        ...goal,
        priority: { coding: [{ system: SYSTEM.goalPriority, code: 'urgent' }] },
      }),
    ).toEqual([
      "Goal.priority.coding[0]: http://terminology.hl7.org/CodeSystem/goal-priority has no code 'urgent'",
    ]);
    expect(r4Problems({ ...task, intent: undefined } as unknown as Task)).not.toEqual([]);
    expect(
      r4Problems({
        resourceType: 'Bundle',
        type: 'searchset',
        entry: [{ resource: { ...goal, lifecycleStatus: 'paused' as 'active' } }],
      }),
    ).toEqual([
      "Bundle.entry[0].resource.lifecycleStatus: 'paused' is not in http://hl7.org/fhir/ValueSet/goal-status|4.0.1",
    ]);
    expect(r4Problems({ ...task, id: 'a b' })).not.toEqual([]);
  });

  it('maps every status and code of ours into the R4 value set its element is bound to', () => {
    for (const status of PLAN_STATUSES) {
      expect(
        inR4ValueSet(
          VS('request-status'),
          'http://hl7.org/fhir/request-status',
          CARE_PLAN_STATUS[status],
        ),
      ).toBe(true);
    }
    for (const status of ACTION_STATUSES) {
      expect(
        inR4ValueSet(VS('task-status'), 'http://hl7.org/fhir/task-status', TASK_STATUS[status]),
      ).toBe(true);
    }
    for (const status of GOAL_LIFECYCLE_STATUSES) {
      expect(inR4ValueSet(VS('goal-status'), 'http://hl7.org/fhir/goal-status', status)).toBe(true);
    }
    for (const status of GOAL_ACHIEVEMENT_STATUSES) {
      expect(inR4ValueSet(VS('goal-achievement'), SYSTEM.goalAchievement, status)).toBe(true);
    }
    for (const priority of GOAL_PRIORITIES) {
      expect(
        inR4ValueSet(VS('goal-priority'), SYSTEM.goalPriority, GOAL_PRIORITY[priority].code),
      ).toBe(true);
    }
    expect(inR4ValueSet(VS('care-plan-intent'), 'http://hl7.org/fhir/request-intent', 'plan')).toBe(
      true,
    );
    expect(inR4ValueSet(VS('task-intent'), 'http://hl7.org/fhir/request-intent', 'plan')).toBe(
      true,
    );
    expect(inR4ValueSet(VS('audit-event-type'), SYSTEM.dicom, '110110')).toBe(true);
    expect(inR4ValueSet(VS('consent-category'), SYSTEM.loinc, '59284-0')).toBe(true);
    // The checker itself refuses what R4 does not have.
    expect(inR4ValueSet(VS('goal-status'), 'http://hl7.org/fhir/goal-status', 'paused')).toBe(
      false,
    );
  });

  it('names the patient by fødselsnummer, with languages, GP, treating hospital and next of kin', () => {
    const patient = one<Patient>(resources, 'Patient', 'patient-test');

    expect(patient.identifier).toEqual([
      { use: 'official', system: IDENTIFIER.fnr, value: chart.patient.identifierValue },
    ]);
    expect(patient.name).toEqual([
      { use: 'official', text: 'Testa Pasientsen', family: 'Pasientsen', given: ['Testa'] },
    ]);
    expect(patient.birthDate).toBe('1950-06-07');
    expect(patient.communication).toEqual([
      { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'nb' }] }, preferred: true },
      { language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'se' }] } },
    ]);
    expect(patient.extension).toEqual([{ url: EXTENSION.interpreterRequired, valueBoolean: true }]);
    expect(patient.generalPractitioner).toEqual([{ reference: 'Practitioner/person-fastlege' }]);
    expect(patient.managingOrganization).toEqual({ reference: 'Organization/org-hospital' });
    expect(patient.contact?.map((c) => c.name?.text)).toEqual([
      'Dina Pasientsen',
      'Egil Pasientsen',
    ]);
    expect(
      patient.contact?.[0]?.relationship?.flatMap((r) => r.coding?.map((c) => c.code)),
    ).toEqual(['N', 'CHILD']);
  });

  it('gives practitioners their HPR number, and organisations the one they are part of', () => {
    expect(one<Practitioner>(resources, 'Practitioner', 'person-koord').identifier).toEqual([
      { system: 'urn:oid:2.16.578.1.12.4.1.4.4', value: '9911001' },
    ]);
    expect(one<Practitioner>(resources, 'Practitioner', 'person-vikar').identifier).toBeUndefined();
    expect(one<Organization>(resources, 'Organization', 'org-homecare')).toMatchObject({
      name: 'Hjemmetjenesten, Testvik kommune',
      partOf: { reference: 'Organization/org-town' },
    });
    expect(one<RelatedPerson>(resources, 'RelatedPerson', 'person-nabo').relationship).toEqual([
      { coding: [{ system: SYSTEM.roleCode, code: 'NBOR', display: 'neighbor' }] },
    ]);
  });

  it('lists the care team with roles, periods and organisations, the coordinator marked', () => {
    const team = one<CareTeam>(resources, 'CareTeam', 'patient-test');
    const coordinator = team.participant?.filter((p) =>
      p.role?.some((r) =>
        r.coding?.some((c) => c.system === SYSTEM.participantRole && c.code === 'coordinator'),
      ),
    );

    expect(team.status).toBe('active');
    expect(team.subject).toEqual({ reference: 'Patient/patient-test' });
    expect(coordinator).toEqual([
      {
        role: [
          {
            coding: [
              { system: SYSTEM.participantRole, code: 'coordinator', display: 'Koordinator' },
            ],
          },
        ],
        member: { reference: 'Practitioner/person-koord' },
        onBehalfOf: { reference: 'Organization/org-homecare' },
        period: { start: '2026-10-01' },
      },
    ]);
    expect(team.participant?.[0]?.period).toEqual({ start: '2026-09-01', end: '2026-09-30' });
    expect(
      team.participant?.find((p) => p.member?.reference === 'RelatedPerson/person-datter'),
    ).toBeDefined();
  });

  it('maps the plan to a CarePlan that refers to its goals, tasks and team', () => {
    const plan = one<FhirCarePlan>(resources, 'CarePlan', 'plan-test');

    expect(plan).toMatchObject({
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/patient-test' },
      period: { start: '2026-10-01', end: '2027-09-30' },
      careTeam: [{ reference: 'CareTeam/patient-test' }],
      goal: [{ reference: `Goal/${IDS.goalWalk}` }, { reference: `Goal/${IDS.goalSleep}` }],
      category: [{ coding: [{ system: SYSTEM.carePlanCategory, code: 'individual-plan' }] }],
      meta: { versionId: '17' },
    });
    expect(plan.activity?.map((a) => a.reference?.reference)).toEqual([
      `Task/${IDS.actionHome}`,
      `Task/${IDS.actionGp}`,
      `Task/${IDS.actionSelf}`,
      `Task/${IDS.actionDaughter}`,
    ]);
    expect(plan.extension?.filter((e) => e.url === EXTENSION.section)).toHaveLength(10);
    expect(plan.extension).toContainEqual({ url: EXTENSION.nextReview, valueDate: '2027-01-15' });
    expect(plan.note?.map((n) => [n.id, n.authorReference?.reference])).toEqual([
      [IDS.note, 'Patient/patient-test'],
      [IDS.decision, 'Practitioner/person-lege'],
    ]);
  });

  it('gives goals in the patient words with coded achievement, priority, target and evaluations', () => {
    const walk = one<FhirGoal>(resources, 'Goal', IDS.goalWalk);
    const sleep = one<FhirGoal>(resources, 'Goal', IDS.goalSleep);

    expect(walk).toMatchObject({
      lifecycleStatus: 'active',
      achievementStatus: { coding: [{ system: SYSTEM.goalAchievement, code: 'improving' }] },
      priority: { coding: [{ system: SYSTEM.goalPriority, code: 'high-priority' }] },
      description: { text: 'Gå tur med hunden hver dag' },
      subject: { reference: 'Patient/patient-test' },
      target: [{ dueDate: '2027-03-01' }],
    });
    expect(walk.note?.[0]).toMatchObject({
      id: IDS.evaluation,
      text: 'Går nå til postkassen og tilbake.',
      authorReference: { reference: 'Practitioner/person-koord' },
    });
    expect(sleep.lifecycleStatus).toBe('on-hold');
    expect(sleep.achievementStatus).toBeUndefined();
    expect(sleep.target).toBeUndefined();
  });

  it('gives each action as a Task owned by the organisation or person responsible', () => {
    const tasks = byType<Task>(resources, 'Task');

    expect(tasks.map((t) => [t.status, t.owner])).toEqual([
      ['in-progress', { reference: 'Organization/org-homecare' }],
      ['completed', { reference: 'Practitioner/person-fastlege' }],
      ['requested', { reference: 'Patient/patient-test' }],
      ['cancelled', { reference: 'RelatedPerson/person-datter' }],
    ]);
    expect(tasks[0]).toMatchObject({
      intent: 'plan',
      for: { reference: 'Patient/patient-test' },
      basedOn: [{ reference: 'CarePlan/plan-test' }],
      reasonReference: { reference: `Goal/${IDS.goalWalk}` },
      restriction: { period: { end: '2026-12-31' } },
      description: 'Morgenbesøk med hjelp til medisiner',
    });
  });

  it('gives consents as active or, once withdrawn, inactive, with the grantee as recipient', () => {
    const consents = byType<Consent>(resources, 'Consent');

    expect(consents.map((c) => [c.id, c.status, c.provision?.actor?.[0]?.reference])).toEqual([
      ['consent-plan', 'active', undefined],
      ['consent-town', 'active', { reference: 'Organization/org-town' }],
      ['consent-daughter', 'active', { reference: 'RelatedPerson/person-datter' }],
      ['consent-gp-old', 'inactive', { reference: 'Organization/org-gp' }],
    ]);
    expect(consents.find((c) => c.id === 'consent-gp-old')?.provision?.period).toEqual({
      start: '2026-09-01',
      end: '2026-09-20T12:00:00.000Z',
    });
  });

  it('gives audit entries with the actor, and names someone outside the care by id only', () => {
    const events = byType<AuditEvent>(resources, 'AuditEvent');
    const refused = events.find((e) => e.id === '13')!;
    const anonymous = events.find((e) => e.id === '14')!;

    expect(events).toHaveLength(14);
    expect(events[0]).toMatchObject({
      action: 'R',
      outcome: '0',
      agent: [
        { who: { reference: 'Practitioner/person-koord' }, requestor: true },
        { who: { reference: 'Organization/org-homecare' }, requestor: false },
      ],
      entity: [{ what: { reference: 'Patient/patient-test' } }],
    });
    expect(refused.outcome).toBe('4');
    expect(refused.agent).toEqual([
      {
        who: { identifier: { system: IDENTIFIER.teamromPerson, value: 'person-fremmed' } },
        requestor: true,
      },
    ]);
    expect(anonymous.agent).toEqual([{ requestor: true }]);
    expect(resources.some((r) => r.id === 'person-fremmed')).toBe(false);
  });

  it('leaves out consents and the audit trail for a reader who may not see them, and whom only they name', () => {
    const limited = chartResources(chart, { consents: false, audit: false });
    const text = JSON.stringify(limited);

    expect(byType(limited, 'Consent')).toEqual([]);
    expect(byType(limited, 'AuditEvent')).toEqual([]);
    expect(text).not.toContain('person-fremmed');
    expect(limited.length).toBeLessThan(resources.length);
  });

  it('refuses an id that R4 would not take, rather than export it', () => {
    expect(() => fhirId('has space')).toThrow();
    expect(() => fhirId('x'.repeat(65))).toThrow();
    expect(fhirId('plan-3f1c2a8e-0b5d-4c1e-9a7f-1d2e3f4a5b6c')).toBe(
      'plan-3f1c2a8e-0b5d-4c1e-9a7f-1d2e3f4a5b6c',
    );
  });
});
