import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { CarePlan, OpenedPlan, PlanOperationApplied } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

/*
 * The care plan reaches only those who may read it now, and a change is applied only as sent:
 * expiry, ended memberships and the exact scope of a consent; keys, references and refusals.
 */

const PLAN = 'plan-demo';
const PATIENT = 'patient-demo';

describe('who keeps receiving a care plan', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const connect = async (personId: string, seconds?: number) => {
    const socket = await connectClient(
      server.url,
      server.tokenFor(personId, seconds ? { seconds } : {}),
    );

    sockets.push(socket);

    return socket;
  };

  const version = async () =>
    (
      await server.db.query<{ version: number }>('select version from care_plans where id = $1', [
        PLAN,
      ])
    )[0]!.version;

  const note = async (socket: TestSocket, text: string) =>
    ask<PlanOperationApplied>(socket, 'careplan:apply', {
      planId: PLAN,
      baseVersion: await version(),
      idempotencyKey: randomUUID(),
      operation: { type: 'note.add', noteId: randomUUID(), kind: 'note', text },
    });

  beforeAll(async () => {
    server = await startTestServer({ env: { PLAN_SWEEP_MS: '200' } });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server?.stop();
  });

  it('closes the plan for a connection whose token expires, and sends it nothing more', async () => {
    const nurse = await connect('person-ingrid', 2);
    const kari = await connect('person-kari');

    expect(await ask(nurse, 'careplan:open', { planId: PLAN })).toMatchObject({ ok: true });
    expect(await nextEvent(nurse, 'careplan:closed', 4000)).toEqual({
      planId: PLAN,
      reason: 'expired',
    });

    const change = nextEvent(nurse, 'careplan:changed', 500);

    expect(await note(kari, 'Etter utløp')).toMatchObject({ ok: true });
    await expect(change).rejects.toThrow();
  });

  it('closes the plan for a member whose period in the care team has ended', async () => {
    const nurse = await connect('person-ingrid');

    expect(await ask(nurse, 'careplan:open', { planId: PLAN })).toMatchObject({ ok: true });

    const closed = nextEvent(nurse, 'careplan:closed', 3000);

    await server.db.query(
      `update care_team_members set period_end = current_date - 1
        where patient_id = $1 and person_id = 'person-ingrid'`,
      [PATIENT],
    );

    expect(await closed).toEqual({ planId: PLAN, reason: 'access_withdrawn' });
    await server.db.query(
      `update care_team_members set period_end = null
        where patient_id = $1 and person_id = 'person-ingrid'`,
      [PATIENT],
    );
  });

  it('lets a consent naming one municipal service open the plan to that service only', async () => {
    const astrid = await connect('person-astrid');

    expect(
      await ask(astrid, 'consent:withdraw', { consentId: 'consent-demo-municipality' }),
    ).toMatchObject({ ok: true });
    expect(
      await ask(astrid, 'consent:grant', {
        patientId: PATIENT,
        scope: 'share_care_plan',
        granteeOrganisationId: 'org-municipality',
        givenOn: '2026-11-01',
      }),
    ).toMatchObject({ ok: true });

    // Ingrid works in home care, which the consent names; Kari in the coordination unit.
    expect(
      await ask(await connect('person-ingrid'), 'careplan:open', { planId: PLAN }),
    ).toMatchObject({ ok: true });
    expect(
      await ask(await connect('person-kari'), 'careplan:open', { planId: PLAN }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    expect(
      await ask(astrid, 'consent:grant', {
        patientId: PATIENT,
        scope: 'share_care_plan',
        granteeOrganisationId: 'org-fjellvik',
        givenOn: '2026-11-01',
      }),
    ).toMatchObject({ ok: true });
    expect(
      await ask(await connect('person-kari'), 'careplan:open', { planId: PLAN }),
    ).toMatchObject({ ok: true });
  });
});

describe('applying a change as it was sent', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const connect = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    return socket;
  };

  const current = async (): Promise<CarePlan> => {
    const kari = await connect('person-kari');
    const reply = await ask<OpenedPlan>(kari, 'careplan:open', { planId: PLAN });

    if (!reply.ok) throw new Error('could not open the plan');

    return reply.data.plan;
  };

  const auditedOutcomes = (personId: string) =>
    server.db.query<{ action: string; outcome: string; actor_role: string | null }>(
      `select action, outcome, actor_role from audit_events
        where actor_id = $1 and outcome <> 'success' order by id`,
      [personId],
    );

  beforeAll(async () => {
    server = await startTestServer();
    await server.db.exec(`
      insert into organisations (id, name, kind) values ('org-other', 'Annen kommune', 'municipality');
      insert into persons (id, kind, display_name, organisation_id) values
        ('person-tolk', 'practitioner', 'Tolk Test', null),
        ('person-mona', 'practitioner', 'Mona Test', 'org-hospital');
      insert into care_team_members (patient_id, person_id, role, period_start, period_end) values
        ('patient-demo', 'person-tolk', 'interpreter', '2026-09-01', null),
        ('patient-demo', 'person-mona', 'physician', '2026-01-01', '2026-06-30');
      insert into persons (id, kind, display_name) values ('person-other', 'patient', 'Test');
      insert into patients (id, person_id, identifier_system, identifier_value, birth_date)
        values ('patient-other', 'person-other', 'urn:oid:2.16.578.1.12.4.1.4.1', '01013800000',
                '1938-01-01');
      insert into care_plans (id, patient_id, version, document, updated_at)
        values ('plan-other', 'patient-other', 0,
                '{"goals":[{"id":"11111111-1111-4111-8111-111111111111"}],"actions":[]}', now());
    `);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server?.stop();
  });

  it('refuses an idempotency key sent again with another change or by another person', async () => {
    const kari = await connect('person-kari');
    const ingrid = await connect('person-ingrid');
    const key = randomUUID();
    const base = (await current()).version;
    const first = {
      planId: PLAN,
      baseVersion: base,
      idempotencyKey: key,
      operation: { type: 'note.add', noteId: randomUUID(), kind: 'note', text: 'Første' },
    };

    expect(await ask(kari, 'careplan:apply', first)).toMatchObject({ ok: true });
    expect(await ask(kari, 'careplan:apply', first)).toMatchObject({ ok: true });
    expect(
      await ask(kari, 'careplan:apply', {
        ...first,
        operation: { type: 'section.set', section: 'crisisWhatToDo', text: 'Andre' },
      }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await ask(ingrid, 'careplan:apply', first)).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });

    const plan = await current();

    expect(plan.version).toBe(base + 1);
    expect(plan.sections.crisisWhatToDo).not.toBe('Andre');
  });

  it('refuses a responsible person or organisation outside the patient care', async () => {
    const kari = await connect('person-kari');

    for (const responsible of [
      { kind: 'organisation', id: 'org-other' },
      { kind: 'person', id: 'person-mona' },
      { kind: 'person', id: 'person-other' },
    ]) {
      expect(
        await ask(kari, 'careplan:apply', {
          planId: PLAN,
          baseVersion: (await current()).version,
          idempotencyKey: randomUUID(),
          operation: {
            type: 'action.add',
            actionId: randomUUID(),
            description: 'Tiltak',
            responsible,
          },
        }),
        JSON.stringify(responsible),
      ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    // The whole municipality, of which a team member's service is part, may be responsible.
    expect(
      await ask(kari, 'careplan:apply', {
        planId: PLAN,
        baseVersion: (await current()).version,
        idempotencyKey: randomUUID(),
        operation: {
          type: 'action.add',
          actionId: randomUUID(),
          description: 'Tiltak for kommunen',
          responsible: { kind: 'organisation', id: 'org-fjellvik' },
        },
      }),
    ).toMatchObject({ ok: true });
  });

  it('refuses a goal id another plan already uses', async () => {
    const kari = await connect('person-kari');

    expect(
      await ask(kari, 'careplan:apply', {
        planId: PLAN,
        baseVersion: (await current()).version,
        idempotencyKey: randomUUID(),
        operation: {
          type: 'goal.add',
          goalId: '11111111-1111-4111-8111-111111111111',
          description: 'Et mål',
        },
      }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('lets the patient write notes but not decisions', async () => {
    const astrid = await connect('person-astrid');
    const change = (kind: string) => ({
      planId: PLAN,
      baseVersion: 0,
      idempotencyKey: randomUUID(),
      operation: { type: 'note.add', noteId: randomUUID(), kind, text: 'Mitt notat' },
    });

    expect(await ask(astrid, 'careplan:apply', change('note'))).toMatchObject({ ok: true });
    expect(await ask(astrid, 'careplan:apply', change('decision'))).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });

  it('audits refusals by the plan rules, and a refused member with their role', async () => {
    const per = await connect('person-per');
    const tolk = await connect('person-tolk');

    expect(
      await ask(per, 'careplan:apply', {
        planId: PLAN,
        baseVersion: 0,
        idempotencyKey: randomUUID(),
        operation: { type: 'action.setStatus', actionId: 'action-none', status: 'done' },
      }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await ask(per, 'careplan:version', { planId: PLAN, version: 10 ** 6 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await ask(tolk, 'careplan:open', { planId: PLAN })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });

    expect(await auditedOutcomes('person-per')).toEqual([
      { action: 'careplan.write', outcome: 'error', actor_role: 'gp' },
      { action: 'careplan.history', outcome: 'error', actor_role: 'gp' },
    ]);
    expect(await auditedOutcomes('person-tolk')).toEqual([
      { action: 'careplan.read', outcome: 'denied', actor_role: 'interpreter' },
    ]);
  });

  it('gives version 0 back with the time it had then', async () => {
    const kari = await connect('person-kari');
    const reply = await ask<CarePlan>(kari, 'careplan:version', { planId: PLAN, version: 0 });

    expect(reply).toMatchObject({ ok: true, data: { version: 0 } });
    expect(reply.ok && reply.data.updatedAt).toBe('2026-09-01T08:00:00.000Z');
  });
});
