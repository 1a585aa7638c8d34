import { randomUUID } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Ack, Consent } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

/*
 * Who may do what with Astrid's care plan, her consents and her meetings: every kind of person
 * against every operation, each cell with its exact outcome, and every refusal in the audit trail.
 */

const PATIENT = 'patient-demo';
const PLAN = 'plan-demo';

/** People around the demo patient whom the demo itself does not have. All invented. */
const FIXTURE_SQL = `
  insert into organisations (id, name, kind, unit, part_of, service) values
    ('org-havbu', 'Havbu kommune', 'municipality', null, null, null),
    ('org-havbu-home', 'Havbu kommune', 'municipality', 'Hjemmesykepleien', 'org-havbu',
     'home_care');
  insert into persons (id, kind, display_name, organisation_id) values
    ('person-jon', 'relative', 'Jon Test', null),
    ('person-sara', 'practitioner', 'Sara Test', 'org-havbu-home'),
    ('person-eva', 'practitioner', 'Eva Test', 'org-havbu-home'),
    ('person-nils', 'patient', 'Nils Test', null),
    ('person-tolk', 'practitioner', 'Tolk Test', null),
    ('person-mona', 'practitioner', 'Mona Test', 'org-hospital');
  insert into patients (id, person_id, identifier_system, identifier_value, birth_date,
                        treating_organisation_id)
    values ('patient-nils', 'person-nils', 'urn:oid:2.16.578.1.12.4.1.4.1', '01013900000',
            '1939-01-01', 'org-hospital');
  insert into related_persons (patient_id, person_id, relationship) values
    ('patient-demo', 'person-jon', 'neighbour');
  insert into care_team_members (patient_id, person_id, role, organisation_id, period_start,
                                 period_end) values
    ('patient-demo', 'person-sara', 'nurse', 'org-havbu-home', '2026-09-01', null),
    ('patient-nils', 'person-eva', 'nurse', 'org-havbu-home', '2026-09-01', null),
    ('patient-demo', 'person-tolk', 'interpreter', null, '2026-09-01', null),
    ('patient-demo', 'person-mona', 'physician', 'org-hospital', '2026-01-01', '2026-06-30');
`;

type Operation =
  | 'read'
  | 'history'
  | 'write'
  | 'ownWords'
  | 'consents'
  | 'grant'
  | 'withdraw'
  | 'accessLog'
  | 'join';

type Outcome = 'ok' | 'forbidden';

const ok = 'ok' as const;
const no = 'forbidden' as const;

/** person → outcome of each operation, in the order of `OPERATIONS`. */
const MATRIX: [string, string, Outcome[]][] = [
  //                                          read hist write own  cons grant wdraw log  join
  ['person-kari', 'coordinator', /*     */ [ok, ok, ok, ok, ok, ok, ok, ok, ok]],
  ['person-ola', 'hospital physician', /**/ [ok, ok, ok, ok, ok, ok, ok, no, ok]],
  ['person-ingrid', 'municipal nurse', /* */ [ok, ok, ok, ok, ok, ok, ok, no, ok]],
  ['person-per', 'GP', /*              */ [ok, ok, ok, ok, ok, ok, ok, no, ok]],
  ['person-astrid', 'the patient', /*  */ [ok, ok, no, ok, ok, ok, ok, ok, ok]],
  ['person-liv', 'authorised relative', [ok, ok, no, no, no, no, no, no, ok]],
  ['person-jon', 'relative without authorisation', [no, no, no, no, no, no, no, no, ok]],
  [
    'person-sara',
    'team nurse from a municipality without consent',
    [no, no, no, no, no, no, no, no, ok],
  ],
  [
    'person-eva',
    'nurse from another municipality, not in the team',
    [no, no, no, no, no, no, no, no, no],
  ],
  ['person-nils', 'another patient', /**/ [no, no, no, no, no, no, no, no, no]],
  ['person-tolk', 'interpreter', /*    */ [no, no, no, no, no, no, no, no, ok]],
  ['person-mona', 'former team member', [no, no, no, no, no, no, no, no, no]],
  ['person-nobody', 'unknown person', /**/ [no, no, no, no, no, no, no, no, no]],
];

const OPERATIONS: Operation[] = [
  'read',
  'history',
  'write',
  'ownWords',
  'consents',
  'grant',
  'withdraw',
  'accessLog',
  'join',
];

describe('the authorisation matrix of a care plan', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const planVersion = async () =>
    (
      await server.db.query<{ version: number }>('select version from care_plans where id = $1', [
        PLAN,
      ])
    )[0]!.version;

  /** A consent recorded by the coordinator, for a cell to try to withdraw. */
  const freshConsent = async (): Promise<string> => {
    const socket = await connectClient(server.url, server.tokenFor('person-kari'));
    const reply = await ask<Consent>(socket, 'consent:grant', {
      patientId: PATIENT,
      scope: 'individual_plan',
      givenOn: '2026-10-01',
    });

    socket.close();
    if (!reply.ok) throw new Error(`could not record a consent: ${reply.error.code}`);

    return reply.data.id;
  };

  const attempt = async (socket: TestSocket, operation: Operation): Promise<Ack<unknown>> => {
    switch (operation) {
      case 'read':
        return ask(socket, 'careplan:open', { planId: PLAN });
      case 'history':
        return ask(socket, 'careplan:history', { planId: PLAN });
      case 'write':
        return ask(socket, 'careplan:apply', {
          planId: PLAN,
          baseVersion: await planVersion(),
          idempotencyKey: randomUUID(),
          operation: {
            type: 'action.add',
            actionId: randomUUID(),
            description: 'Tiltak fra matrisetesten',
            responsible: { kind: 'organisation', id: 'org-gp' },
          },
        });
      case 'ownWords':
        return ask(socket, 'careplan:apply', {
          planId: PLAN,
          baseVersion: await planVersion(),
          idempotencyKey: randomUUID(),
          operation: { type: 'section.set', section: 'whatMatters', text: 'Å være hjemme.' },
        });
      case 'consents':
        return ask(socket, 'consent:list', { patientId: PATIENT });
      case 'grant':
        return ask(socket, 'consent:grant', {
          patientId: PATIENT,
          scope: 'individual_plan',
          givenOn: '2026-10-01',
        });
      case 'withdraw':
        return ask(socket, 'consent:withdraw', { consentId: await freshConsent() });
      case 'accessLog':
        return ask(socket, 'audit:accessLog', { patientId: PATIENT });
      case 'join': {
        // Through the waiting room: team members come in, the others wait to be let in.
        const reply = await ask(socket, 'meeting:enter', { meetingId: 'demo' });

        if (reply.ok) await ask(socket, 'meeting:leave', {});

        return reply;
      }
    }
  };

  beforeAll(async () => {
    server = await startTestServer();
    await server.db.exec(FIXTURE_SQL);
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server?.stop();
  });

  describe.each(MATRIX)('%s (%s)', (personId, _who, outcomes) => {
    it.each(OPERATIONS.map((operation, i) => [operation, outcomes[i]!] as const))(
      '%s: %s',
      async (operation, expected) => {
        const socket = await connectClient(server.url, server.tokenFor(personId));

        sockets.push(socket);

        const reply = await attempt(socket, operation);

        if (expected === 'ok') {
          expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true });
        } else {
          expect(reply).toMatchObject({ ok: false, error: { code: 'forbidden' } });
        }
      },
    );
  });

  it('audits every refusal of the matrix, one record each, with the person who tried', async () => {
    for (const [personId, , outcomes] of MATRIX) {
      const [row] = await server.db.query<{ n: number }>(
        `select count(*)::int as n from audit_events where actor_id = $1 and outcome = 'denied'`,
        [personId],
      );

      expect(row!.n, personId).toBe(outcomes.filter((o) => o === 'forbidden').length);
    }
  });

  it('keeps care-plan text and names out of the audit trail', async () => {
    const text = JSON.stringify(await server.db.query('select * from audit_events'));

    expect(text).not.toContain('matrisetesten');
    expect(text).not.toContain('Å være hjemme');
    expect(text).not.toContain('Astrid');
  });
});

describe('withdrawing consent', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const connect = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    return socket;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server?.stop();
  });

  it('closes the plan at once for whoever relied on it, and only for them', async () => {
    const gp = await connect('person-per');
    const nurse = await connect('person-ingrid');
    const patient = await connect('person-astrid');

    for (const socket of [gp, nurse, patient]) {
      expect(await ask(socket, 'careplan:open', { planId: PLAN })).toMatchObject({ ok: true });
    }

    const closed = nextEvent<{ planId: string; reason: string }>(gp, 'careplan:closed');
    const nurseClosed = nextEvent(nurse, 'careplan:closed', 1000);
    const withdrawn = await ask<Consent>(patient, 'consent:withdraw', {
      consentId: 'consent-demo-gp',
    });

    expect(withdrawn).toMatchObject({
      ok: true,
      data: { id: 'consent-demo-gp', withdrawnBy: 'person-astrid' },
    });
    expect(await closed).toEqual({ planId: PLAN, reason: 'access_withdrawn' });
    await expect(nurseClosed).rejects.toThrow();

    // Nothing more reaches the GP, and asking again is refused.
    const change = nextEvent(gp, 'careplan:changed', 500);

    expect(
      await ask(nurse, 'careplan:apply', {
        planId: PLAN,
        baseVersion: 0,
        idempotencyKey: randomUUID(),
        operation: {
          type: 'note.add',
          noteId: randomUUID(),
          kind: 'note',
          text: 'Etter tilbaketrekking',
        },
      }),
    ).toMatchObject({ ok: true });
    await expect(change).rejects.toThrow();
    expect(await ask(gp, 'careplan:open', { planId: PLAN })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });

  it('refuses to withdraw a consent twice, changing nothing', async () => {
    const patient = await connect('person-astrid');
    const before = await server.db.query('select * from consents order by id');

    expect(await ask(patient, 'consent:withdraw', { consentId: 'consent-demo-gp' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(await server.db.query('select * from consents order by id')).toEqual(before);
  });

  it('gives access back when the patient consents again', async () => {
    const patient = await connect('person-astrid');
    const gp = await connect('person-per');

    expect(
      await ask(patient, 'consent:grant', {
        patientId: PATIENT,
        scope: 'share_care_plan',
        granteeOrganisationId: 'org-gp',
        givenOn: '2026-11-01',
      }),
    ).toMatchObject({ ok: true, data: { recordedBy: 'person-astrid', withdrawnAt: null } });
    expect(await ask(gp, 'careplan:open', { planId: PLAN })).toMatchObject({ ok: true });
  });

  it('refuses a consent naming nobody to share with, or a stranger, changing nothing', async () => {
    const kari = await connect('person-kari');
    const before = await server.db.query('select count(*)::int as n from consents');

    for (const bad of [
      { scope: 'share_care_plan' },
      { scope: 'share_care_plan', granteePersonId: 'person-nobody' },
      { scope: 'share_care_plan', granteeOrganisationId: 'org-gp', granteePersonId: 'person-liv' },
      { scope: 'individual_plan', givenOn: '2999-01-01' },
    ]) {
      expect(
        await ask(kari, 'consent:grant', { patientId: PATIENT, givenOn: '2026-11-01', ...bad }),
        JSON.stringify(bad),
      ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    }
    expect(await server.db.query('select count(*)::int as n from consents')).toEqual(before);
  });
});
