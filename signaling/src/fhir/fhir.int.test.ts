import { randomUUID } from 'node:crypto';

import type {
  Bundle,
  CarePlan as FhirCarePlan,
  OperationOutcome,
  Resource,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type {
  CarePlan,
  OpenedPlan,
  PlanOperationApplied,
  PlanOperationInput,
} from '../protocol/index.ts';
import { r4, r4Problems } from '../testing/fhirR4.ts';
import type { TestServer } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

/*
 * The FHIR API against a running Teamrom with the demo seeded: who sees which patients and what of
 * their charts, that everything exported is R4, and that an export imported again gives the plan.
 */

const FHIR_JSON = 'application/fhir+json';

/** A second patient, treated at the demo hospital, whose plan Kari (municipality) may not read. */
const FIXTURE_SQL = `
  insert into persons (id, kind, display_name, given_name, family_name) values
    ('person-berit', 'patient', 'Berit Test', 'Berit', 'Test');
  insert into patients (id, person_id, identifier_system, identifier_value, birth_date,
                        treating_organisation_id)
    values ('patient-berit', 'person-berit', 'urn:oid:2.16.578.1.12.4.1.4.2', '41815000000',
            '1950-01-01', 'org-hospital');
  insert into care_team_members (patient_id, person_id, role, organisation_id, period_start)
    values ('patient-berit', 'person-ola', 'physician', 'org-hospital', '2026-09-01'),
           ('patient-berit', 'person-kari', 'coordinator', 'org-coordination', '2026-09-01');
`;

interface Reply<T> {
  status: number;
  type: string | null;
  headers: Headers;
  body: T;
}

async function call<T = Resource>(
  server: TestServer,
  path: string,
  personId: string | null,
  init: { method?: string; body?: unknown; contentType?: string } = {},
): Promise<Reply<T>> {
  const res = await fetch(`${server.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(personId ? { authorization: `Bearer ${server.tokenFor(personId)}` } : {}),
      ...(init.body !== undefined ? { 'content-type': init.contentType ?? FHIR_JSON } : {}),
    },
    ...(init.body !== undefined
      ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
      : {}),
  });

  return {
    status: res.status,
    type: res.headers.get('content-type'),
    headers: res.headers,
    body: (await res.json()) as T,
  };
}

const get = call;
const importBundle = (
  server: TestServer,
  personId: string | null,
  body: unknown,
  contentType?: string,
) =>
  call<OperationOutcome>(server, '/fhir/CarePlan/$import', personId, {
    method: 'POST',
    body,
    ...(contentType ? { contentType } : {}),
  });

async function planOf(server: TestServer, planId = 'plan-demo'): Promise<CarePlan> {
  const reply = await get<OpenedPlan>(server, `/api/careplans/${planId}`, 'person-kari');

  return reply.body.plan;
}

async function apply(server: TestServer, personId: string, operations: PlanOperationInput[]) {
  for (const operation of operations) {
    const plan = await planOf(server);
    const res = await fetch(`${server.url}/api/careplans/plan-demo/operations`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${server.tokenFor(personId)}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ baseVersion: plan.version, idempotencyKey: randomUUID(), operation }),
    });

    if (res.status !== 201) throw new Error(`${operation.type} refused: ${await res.text()}`);
  }
}

/** The plan as an import reproduces it: without versions and the times things were recorded. */
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
      evaluations: g.evaluations.map(({ recordedAt: _r, ...e }) => e),
    })),
    actions: plan.actions.map(({ createdAt: _c, ...a }) => a),
    notes: plan.notes.map(({ recordedAt: _r, ...n }) => n),
  };
}

const resourcesOf = (bundle: Bundle) => (bundle.entry ?? []).map((e) => e.resource as Resource);

async function audited(server: TestServer, actorId: string, action: string): Promise<string[]> {
  const rows = await server.db.query<{ outcome: string }>(
    'select outcome from audit_events where actor_id = $1 and action = $2 order by id',
    [actorId, action],
  );

  return rows.map((r) => r.outcome);
}

describe('FHIR R4 API', () => {
  let server: TestServer;

  beforeAll(async () => {
    r4();
    server = await startTestServer();
    await server.db.exec(FIXTURE_SQL);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('answers without a valid token with 401 and an OperationOutcome', async () => {
    for (const path of [
      '/fhir/Patient',
      '/fhir/Patient/patient-demo/$everything',
      '/fhir/Goal/goal-walk',
    ]) {
      const reply = await get<OperationOutcome>(server, path, null);

      expect(reply.status, path).toBe(401);
      expect(reply.type).toContain(FHIR_JSON);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      expect(reply.body.issue[0]).toMatchObject({
        severity: 'error',
        code: 'login',
        details: { coding: [{ code: 'unauthorized' }] },
      });
    }
    expect(
      (await importBundle(server, null, { resourceType: 'Bundle', type: 'collection' })).status,
    ).toBe(401);
  });

  it('says what it offers at /fhir/metadata, to anyone', async () => {
    const reply = await get(server, '/fhir/metadata', null);

    expect(reply.status).toBe(200);
    expect(reply.body.resourceType).toBe('CapabilityStatement');
    expect(r4Problems(reply.body)).toEqual([]);
  });

  it('lists in a searchset exactly the patients each caller may read, each audited', async () => {
    const ids = async (personId: string, query = '') => {
      const reply = await get<Bundle>(server, `/fhir/Patient${query}`, personId);

      expect(reply.status).toBe(200);
      expect(reply.type).toContain(FHIR_JSON);
      expect(r4Problems(reply.body)).toEqual([]);
      expect(reply.body.total).toBe(reply.body.entry?.length ?? 0);

      return resourcesOf(reply.body).map((r) => r.id);
    };

    expect(await ids('person-ola')).toEqual(['patient-berit', 'patient-demo']);
    // Kari is on Berit's team too, but from the municipality, which Berit has not consented to.
    expect(await ids('person-kari')).toEqual(['patient-demo']);
    expect(await ids('person-astrid')).toEqual(['patient-demo']);
    expect(await ids('person-liv')).toEqual(['patient-demo']);
    expect(await ids('person-stranger')).toEqual([]);
    expect(await ids('person-ola', '?_id=patient-berit')).toEqual(['patient-berit']);
    expect(
      await ids(
        'person-ola',
        `?identifier=${encodeURIComponent('urn:oid:2.16.578.1.12.4.1.4.2|41815000000')}`,
      ),
    ).toEqual(['patient-berit']);
    expect(await ids('person-kari', '?identifier=41815000000')).toEqual([]);

    expect(await audited(server, 'person-ola', 'fhir.read')).toEqual([
      'success',
      'success',
      'success',
      'success',
    ]);
    expect(await audited(server, 'person-stranger', 'fhir.read')).toEqual([]);
  });

  it('exports the demo patient with $everything as R4, every resource readable alone', async () => {
    const reply = await get<Bundle>(
      server,
      '/fhir/Patient/patient-demo/$everything',
      'person-kari',
    );
    const resources = resourcesOf(reply.body);
    const types = new Set<string>(resources.map((r) => r.resourceType));

    expect(reply.status).toBe(200);
    expect(reply.type).toContain(FHIR_JSON);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(r4Problems(reply.body)).toEqual([]);
    expect(resources[0]).toMatchObject({
      resourceType: 'Patient',
      id: 'patient-demo',
      identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.1' }],
    });
    for (const type of [
      'CareTeam',
      'CarePlan',
      'Goal',
      'Task',
      'Consent',
      'AuditEvent',
      'Practitioner',
      'RelatedPerson',
      'Organization',
    ]) {
      expect(types.has(type), type).toBe(true);
    }
    expect(resources.filter((r) => r.resourceType === 'Goal')).toHaveLength(3);
    expect(resources.filter((r) => r.resourceType === 'Task')).toHaveLength(4);
    expect(await audited(server, 'person-kari', 'fhir.export')).toEqual(['success']);

    for (const entry of reply.body.entry ?? []) {
      const path = new URL(entry.fullUrl!).pathname;
      const alone = await get(server, path, 'person-kari');

      expect(alone.status, path).toBe(200);
      expect(alone.body, path).toEqual(entry.resource);
    }
  });

  it('shows consents only to those who may see them, and the audit trail to patient and coordinator', async () => {
    const typesFor = async (personId: string) => {
      const reply = await get<Bundle>(server, '/fhir/Patient/patient-demo/$everything', personId);

      expect(reply.status, personId).toBe(200);
      expect(r4Problems(reply.body)).toEqual([]);

      return new Set(resourcesOf(reply.body).map((r) => r.resourceType));
    };

    const astrid = await typesFor('person-astrid');
    const per = await typesFor('person-per');
    const liv = await typesFor('person-liv');

    expect([astrid.has('Consent'), astrid.has('AuditEvent')]).toEqual([true, true]);
    expect([per.has('Consent'), per.has('AuditEvent')]).toEqual([true, false]);
    expect([liv.has('Consent'), liv.has('AuditEvent')]).toEqual([false, false]);
    expect(liv.has('CarePlan')).toBe(true);

    const [event] = await server.db.query<{ id: string }>(
      "select id::text as id from audit_events where patient_id = 'patient-demo' limit 1",
    );
    const denied = await get<OperationOutcome>(
      server,
      `/fhir/AuditEvent/${event!.id}`,
      'person-per',
    );

    expect(denied.status).toBe(403);
    expect((await get(server, `/fhir/AuditEvent/${event!.id}`, 'person-astrid')).status).toBe(200);
    expect((await get(server, '/fhir/Consent/consent-demo-liv', 'person-liv')).status).toBe(403);
  });

  it('refuses resources of a patient outside the caller care with 403, audited as denied', async () => {
    const before = await audited(server, 'person-stranger', 'fhir.export');
    const everything = await get<OperationOutcome>(
      server,
      '/fhir/Patient/patient-demo/$everything',
      'person-stranger',
    );

    expect(everything.status).toBe(403);
    expect(everything.body.issue[0]).toMatchObject({
      code: 'forbidden',
      details: { coding: [{ code: 'forbidden' }] },
    });
    expect(await audited(server, 'person-stranger', 'fhir.export')).toEqual([...before, 'denied']);

    const reads = [
      ['person-stranger', '/fhir/Goal/goal-walk'],
      ['person-stranger', '/fhir/CarePlan/plan-demo'],
      ['person-kari', '/fhir/Patient/patient-berit'],
      ['person-kari', '/fhir/CareTeam/patient-berit'],
    ] as const;

    for (const [personId, path] of reads) {
      expect((await get(server, path, personId)).status, `${personId} ${path}`).toBe(403);
    }
    expect(await audited(server, 'person-kari', 'fhir.read')).toContain('denied');

    const rows = await server.db.query<{ n: number }>(
      `select count(*)::int as n from audit_events
        where action = 'fhir.read' and outcome = 'denied' and patient_id = 'patient-berit'`,
    );

    expect(rows[0]!.n).toBe(2);
  });

  it('answers unknown types, ids and operations with 404', async () => {
    for (const path of [
      '/fhir/Patient/patient-nobody',
      '/fhir/Patient/patient-nobody/$everything',
      '/fhir/Goal/goal-nobody',
      '/fhir/AuditEvent/not-a-number',
      '/fhir/Observation/x',
      '/fhir/Patient/patient-demo/$summary',
      '/fhir/Practitioner/person-astrid',
      '/fhir/Patient/has%20space',
    ]) {
      const reply = await get<OperationOutcome>(server, path, 'person-kari');

      expect(reply.status, path).toBe(404);
      expect(reply.body.issue[0]?.code, path).toBe('not-found');
    }
  });

  it('refuses malformed bundles with 400 invalid_request and changes nothing', async () => {
    const before = await planOf(server);
    const exported = (
      await get<Bundle>(server, '/fhir/Patient/patient-demo/$everything', 'person-kari')
    ).body;
    const broken = structuredClone(exported);
    const goal = broken.entry!.find((e) => e.resource?.resourceType === 'Goal')!.resource as {
      lifecycleStatus: string;
    };

    goal.lifecycleStatus = 'paused';

    const newGoalWithoutUuid = structuredClone(exported);
    const plan = newGoalWithoutUuid.entry!.find((e) => e.resource?.resourceType === 'CarePlan')!
      .resource as { goal: { reference: string }[]; extension: { url: string }[] };
    const extraGoal = structuredClone(
      newGoalWithoutUuid.entry!.find((e) => e.resource?.resourceType === 'Goal')!,
    );

    (extraGoal.resource as { id: string }).id = 'goal-not-a-uuid';
    extraGoal.fullUrl = undefined;
    newGoalWithoutUuid.entry!.push(extraGoal);
    plan.goal.push({ reference: 'Goal/goal-not-a-uuid' });
    // A valid section change too, which must not be applied on its own either.
    plan.extension = plan.extension.filter((e) => !e.url.endsWith('careplan-section'));

    const bodies: [unknown, string?][] = [
      ['{"resourceType": "Bundle",'],
      ['not json at all', 'text/plain'],
      [[]],
      [{ resourceType: 'Patient', id: 'patient-demo' }],
      [{ resourceType: 'Bundle', type: 'collection', entry: [] }],
      [broken],
      [newGoalWithoutUuid],
    ];

    for (const [body, contentType] of bodies) {
      const reply = await importBundle(server, 'person-kari', body, contentType);

      expect(reply.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(reply.type).toContain(FHIR_JSON);
      expect(reply.body.issue[0]).toMatchObject({
        severity: 'error',
        code: 'invalid',
        details: { coding: [{ code: 'invalid_request' }] },
      });
    }

    expect(await planOf(server)).toEqual(before);
  });

  it('lets only the care team staff import, audited as denied otherwise', async () => {
    const before = await planOf(server);
    const exported = (
      await get<Bundle>(server, '/fhir/Patient/patient-demo/$everything', 'person-kari')
    ).body;

    expect((await importBundle(server, 'person-astrid', exported)).status).toBe(403);
    expect((await importBundle(server, 'person-liv', exported)).status).toBe(403);
    expect((await importBundle(server, 'person-stranger', exported)).status).toBe(403);
    const unknownPatient = structuredClone(exported);
    const patient = unknownPatient.entry![0]!.resource as { identifier: { value: string }[] };

    patient.identifier[0]!.value = '01819900000';

    const refusals = await Promise.all([
      importBundle(server, 'person-stranger', exported),
      importBundle(server, 'person-kari', unknownPatient),
    ]);

    expect(refusals.map((r) => [r.status, r.body.issue[0]?.diagnostics])).toEqual([
      [403, 'you may not import a care plan for this patient'],
      [403, 'you may not import a care plan for this patient'],
    ]);
    expect(await audited(server, 'person-astrid', 'fhir.import')).toEqual(['denied']);
    expect(await audited(server, 'person-stranger', 'fhir.import')).toEqual(['denied', 'denied']);
    expect(await planOf(server)).toEqual(before);
  });

  it('puts back an exported plan after it has been changed, telling viewers of each change', async () => {
    const exported = (
      await get<Bundle>(server, '/fhir/Patient/patient-demo/$everything', 'person-kari')
    ).body;
    const original = await planOf(server);

    await apply(server, 'person-ingrid', [
      { type: 'section.set', section: 'crisisContacts', text: 'Bare legevakten.' },
      { type: 'goal.update', goalId: 'goal-social', changes: { lifecycleStatus: 'cancelled' } },
      { type: 'action.setStatus', actionId: 'action-meds', status: 'done' },
      { type: 'plan.setDates', nextReview: '2027-06-01' },
    ]);

    const viewer = await connectClient(server.url, server.tokenFor('person-ola'));

    try {
      await ask(viewer, 'careplan:open', { planId: 'plan-demo' });

      const seen = nextEvent<PlanOperationApplied>(viewer, 'careplan:changed');
      const reply = await importBundle(server, 'person-kari', exported);

      expect(reply.status).toBe(200);
      expect(reply.body.issue[0]).toMatchObject({ severity: 'information' });
      expect(reply.body.issue[0]?.diagnostics).toMatch(/^applied 4 changes to CarePlan\/plan-demo/);
      expect(reply.headers.get('location')).toMatch(/\/fhir\/CarePlan\/plan-demo$/);
      expect(await seen).toMatchObject({ planId: 'plan-demo', authorId: 'person-kari' });
    } finally {
      viewer.close();
    }

    expect(content(await planOf(server))).toEqual(content(original));

    const again = await importBundle(server, 'person-kari', exported);

    expect(again.status).toBe(200);
    expect(again.body.issue[0]?.diagnostics).toBe(
      'CarePlan/plan-demo already held this plan; nothing changed',
    );
    expect((await audited(server, 'person-kari', 'fhir.import')).slice(-2)).toEqual([
      'success',
      'success',
    ]);
  });

  it('creates a plan for a patient who has none', async () => {
    const goalId = randomUUID();
    const actionId = randomUUID();
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        {
          fullUrl: 'urn:uuid:5d1f1a3e-8a43-4d52-9b0e-3c2f6a7b8c9d',
          resource: {
            resourceType: 'Patient',
            identifier: [{ system: 'urn:oid:2.16.578.1.12.4.1.4.2', value: '41815000000' }],
          },
        },
        {
          resource: {
            resourceType: 'CarePlan',
            status: 'draft',
            intent: 'plan',
            subject: { reference: 'urn:uuid:5d1f1a3e-8a43-4d52-9b0e-3c2f6a7b8c9d' },
            goal: [{ reference: `Goal/${goalId}` }],
            activity: [{ reference: { reference: `Task/${actionId}` } }],
          },
        },
        {
          resource: {
            resourceType: 'Goal',
            id: goalId,
            lifecycleStatus: 'active',
            description: { text: 'Klare trappene hjemme' },
            subject: { reference: 'Patient/patient-berit' },
          },
        },
        {
          resource: {
            resourceType: 'Task',
            id: actionId,
            status: 'requested',
            intent: 'plan',
            description: 'Vurdere rekkverk i trappen',
            owner: { reference: 'Practitioner/person-ola' },
            reasonReference: { reference: `Goal/${goalId}` },
          },
        },
      ],
    };

    // Kari is on Berit's team, but may not read her plan; Ola may.
    expect((await importBundle(server, 'person-kari', bundle)).status).toBe(403);

    const reply = await importBundle(server, 'person-ola', bundle);
    const planId = /\/CarePlan\/([^/]+)$/.exec(reply.headers.get('location') ?? '')?.[1];
    const created = await get<FhirCarePlan>(server, `/fhir/CarePlan/${planId}`, 'person-ola');

    expect(reply.status).toBe(201);
    expect(planId).toMatch(/^plan-/);
    expect(created.status).toBe(200);
    expect(r4Problems(created.body)).toEqual([]);
    expect(created.body).toMatchObject({
      status: 'draft',
      subject: { reference: 'Patient/patient-berit' },
      goal: [{ reference: `Goal/${goalId}` }],
      activity: [{ reference: { reference: `Task/${actionId}` } }],
    });
    expect((await get(server, `/fhir/Task/${actionId}`, 'person-ola')).body).toMatchObject({
      owner: { reference: 'Practitioner/person-ola' },
      reasonReference: { reference: `Goal/${goalId}` },
    });
  });

  it('refuses an owner outside the patient care, changing nothing', async () => {
    const before = await planOf(server);
    const exported = (
      await get<Bundle>(server, '/fhir/Patient/patient-demo/$everything', 'person-kari')
    ).body;
    const task = exported.entry!.find((e) => e.resource?.resourceType === 'Task')!.resource as {
      owner: { reference: string };
    };

    task.owner = { reference: 'Practitioner/person-nobody' };

    const reply = await importBundle(server, 'person-kari', exported);

    expect(reply.status).toBe(400);
    expect(reply.body.issue[0]?.diagnostics).toContain('person-nobody');
    expect(await planOf(server)).toEqual(before);
  });
});

describe('FHIR export and import across servers', () => {
  it('gives the same plan on a fresh server as the one exported', async () => {
    const source = await startTestServer();
    const target = await startTestServer();

    try {
      await apply(source, 'person-kari', [
        { type: 'section.set', section: 'whatMatters', text: 'Å kunne gå i kirken til jul.' },
        { type: 'section.set', section: 'crisisHowToMeet', text: 'Ring Liv først.' },
        { type: 'plan.setDates', nextReview: '2027-02-01', periodEnd: '2027-12-31' },
        {
          type: 'goal.add',
          goalId: '6f1e2d3c-4b5a-4968-8776-655443322110',
          description: 'Gå i kirken til jul',
          priority: 'medium',
          targetDate: '2026-12-24',
        },
        {
          type: 'goal.evaluate',
          evaluationId: '1e2d3c4b-5a69-4877-8665-544332211009',
          goalId: 'goal-walk',
          date: '2026-11-30',
          text: 'Går til postkassen med rullator.',
          achievementStatus: 'improving',
        },
        {
          type: 'goal.update',
          goalId: 'goal-breath',
          changes: { priority: 'medium', targetDate: null },
        },
        {
          type: 'action.add',
          actionId: '2d3c4b5a-6978-4877-9665-544332211008',
          description: 'Kjøre Astrid til kirken',
          responsible: { kind: 'person', id: 'person-liv' },
          goalId: '6f1e2d3c-4b5a-4968-8776-655443322110',
          dueDate: '2026-12-24',
        },
        { type: 'action.update', actionId: 'action-copd', changes: { dueDate: '2027-01-10' } },
        { type: 'action.setStatus', actionId: 'action-physio', status: 'cancelled' },
        {
          type: 'note.add',
          noteId: '3c4b5a69-7887-4665-8443-322110099887',
          kind: 'decision',
          text: 'Liv kjører til kirken.',
          meetingId: 'demo',
        },
      ]);

      const exported = await get<Bundle>(
        source,
        '/fhir/Patient/patient-demo/$everything',
        'person-kari',
      );

      expect(r4Problems(exported.body)).toEqual([]);

      const reply = await importBundle(target, 'person-kari', exported.body);

      expect(reply.status).toBe(200);
      expect(content(await planOf(target))).toEqual(content(await planOf(source)));
    } finally {
      await source.stop();
      await target.stop();
    }
  });
});
