import { randomUUID } from 'node:crypto';
import { request } from 'node:http';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type {
  CoordinatorOverview,
  Invitation,
  LinkSession,
  ScheduledMeeting,
} from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, startTestServer } from '../testing/harness.ts';
import { http, osloIn, SCHEDULING_FIXTURE_SQL } from '../testing/scheduling.ts';

/*
 * What a personal link may reach: only as far as the plan access of the staff who hand it out,
 * and no further once it has been reissued or its meeting cancelled.
 */

const PATIENT = 'patient-demo';

describe('sessions opened with a personal link', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const connect = async (token: string) => {
    const socket = await connectClient(server.url, token);

    sockets.push(socket);

    return socket;
  };

  const schedule = async (personId: string, patientId: string, minutesAhead = 10) =>
    ask<ScheduledMeeting>(await connect(server.tokenFor(personId)), 'scheduling:schedule', {
      patientId,
      purpose: 'Oppfølging',
      start: osloIn(minutesAhead),
      durationMinutes: 30,
    });

  const linkOf = async (meetingId: string, personId: string) => {
    const invitations = await http<Invitation[]>(
      server,
      'GET',
      `/api/meetings/${meetingId}/invitations`,
      { token: server.tokenFor('person-kari') },
    );

    return invitations.body.find((i) => i.personId === personId)!.joinUrl;
  };

  const open = async (joinUrl: string) =>
    (
      await http<LinkSession>(server, 'POST', '/api/links/open', {
        json: { link: new URL(joinUrl).hash.replace('#link=', '') },
      })
    ).body;

  beforeAll(async () => {
    server = await startTestServer();
    await server.db.exec(SCHEDULING_FIXTURE_SQL);
    // A physician of the treating hospital in Nils' team: he reads the plan without a consent.
    await server.db.exec(`insert into care_team_members
      (patient_id, person_id, role, organisation_id, period_start)
      values ('patient-nils', 'person-ola', 'physician', 'org-hospital', '2026-09-01')`);
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  it("are not handed out by staff who may not read the patient's plan", async () => {
    // Eva is in Nils' team, from a municipality without his consent.
    expect(await schedule('person-eva', 'patient-nils')).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });

    const ola = await schedule('person-ola', 'patient-nils');

    expect(ola).toMatchObject({ ok: true });

    const meetingId = ola.ok ? ola.data.id : '';

    expect(
      (
        await http(server, 'GET', `/api/meetings/${meetingId}/invitations`, {
          token: server.tokenFor('person-eva'),
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await http(server, 'POST', `/api/meetings/${meetingId}/invitations/person-nils/reissue`, {
          token: server.tokenFor('person-eva'),
        })
      ).status,
    ).toBe(403);
    expect(
      await ask(await connect(server.tokenFor('person-eva')), 'ring:start', {
        patientId: 'patient-nils',
        personIds: ['person-nils'],
      }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(
      await server.db.query(
        `select action from audit_events where actor_id = 'person-eva' and outcome = 'denied'
          and action in ('meeting.schedule', 'meeting.invitation', 'meeting.ring')`,
      ),
    ).toHaveLength(4);
  });

  it('end when the link is reissued: no renewal, no meeting, no plan, live connections closed', async () => {
    const scheduled = await schedule('person-kari', PATIENT);
    const meetingId = scheduled.ok ? scheduled.data.id : '';
    const session = await open(await linkOf(meetingId, 'person-astrid'));
    const live = await connect(session.token);

    expect(server.tokens.verify(session.token).linkId).toBeTruthy();
    expect(await ask(live, 'careplan:open', { planId: 'plan-demo' })).toMatchObject({ ok: true });

    const closed = new Promise((resolve) => live.once('disconnect', resolve));

    expect(
      (
        await http(server, 'POST', `/api/meetings/${meetingId}/invitations/person-astrid/reissue`, {
          token: server.tokenFor('person-kari'),
        })
      ).status,
    ).toBe(200);
    await closed;

    expect((await http(server, 'POST', '/api/token/renew', { token: session.token })).status).toBe(
      401,
    );
    expect(
      (await http(server, 'GET', '/api/careplans/plan-demo', { token: session.token })).status,
    ).toBe(401);
    await expect(connect(session.token)).rejects.toMatchObject({
      data: { code: 'unauthorized' },
    });
  });

  it('end when the meeting is cancelled', async () => {
    const scheduled = await schedule('person-kari', PATIENT);
    const meetingId = scheduled.ok ? scheduled.data.id : '';
    const session = await open(await linkOf(meetingId, 'person-astrid'));

    expect(
      await ask(await connect(server.tokenFor('person-kari')), 'scheduling:cancel', { meetingId }),
    ).toMatchObject({ ok: true });
    expect(
      (await http(server, 'POST', '/api/token/renew', { token: session.token })).status,
    ).not.toBe(200);
    await expect(connect(session.token)).rejects.toMatchObject({
      data: { code: 'meeting_cancelled' },
    });
  });

  it('are made with links that point at PUBLIC_URL or this server, never at the Host header', async () => {
    const scheduled = await schedule('person-kari', PATIENT, 600);
    const meetingId = scheduled.ok ? scheduled.data.id : '';
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: `/api/meetings/${meetingId}/invitations`,
          headers: {
            host: 'evil.example',
            'x-forwarded-proto': 'https',
            authorization: `Bearer ${server.tokenFor('person-kari')}`,
          },
        },
        (res) => {
          let text = '';

          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        },
      );

      req.on('error', reject);
      req.end();
    });

    expect(body).not.toContain('evil.example');
    expect((JSON.parse(body) as Invitation[])[0]!.joinUrl).toMatch(
      new RegExp(`^http://localhost:${server.port}/m/`),
    );
  });

  it('come with calendar files typed with their method', async () => {
    const scheduled = await schedule('person-kari', PATIENT, 600);
    const meetingId = scheduled.ok ? scheduled.data.id : '';
    const answer = await http(
      server,
      'GET',
      `/api/meetings/${meetingId}/invitations/person-astrid/invitation.ics`,
      { token: server.tokenFor('person-kari') },
    );

    expect(answer.headers.get('content-type')).toBe('text/calendar; charset=utf-8; method=REQUEST');
  });

  it('keep SEQUENCE when a reschedule changes nothing, and a meeting that has ended stays', async () => {
    const kari = await connect(server.tokenFor('person-kari'));
    const scheduled = await schedule('person-kari', PATIENT, 600);
    const meeting = scheduled.ok ? scheduled.data : (undefined as never);
    const same = await ask<ScheduledMeeting>(kari, 'scheduling:reschedule', {
      meetingId: meeting.id,
      purpose: meeting.purpose,
    });

    expect(same).toMatchObject({ ok: true, data: { sequence: meeting.sequence } });

    await server.db.query(
      `update meetings set starts_at = now() - interval '2 hours' where id = $1`,
      [meeting.id],
    );
    expect(
      await ask(kari, 'scheduling:reschedule', { meetingId: meeting.id, purpose: 'Nytt' }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await ask(kari, 'scheduling:cancel', { meetingId: meeting.id })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
  });

  it.each(['2031-02-30T10:00', '2031-02-29T10:00', '2031-04-31T10:00', '2031-03-10T24:00'])(
    'refuse a start of %s, which does not exist',
    async (start) => {
      expect(
        await ask(await connect(server.tokenFor('person-kari')), 'scheduling:schedule', {
          patientId: PATIENT,
          purpose: 'Møte',
          start,
          durationMinutes: 30,
        }),
      ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    },
  );

  it('refuse a start in the hour daylight saving skips or passes twice', async () => {
    const kari = await connect(server.tokenFor('person-kari'));
    const base = { patientId: PATIENT, purpose: 'Møte', durationMinutes: 30 };

    expect(
      await ask(kari, 'scheduling:schedule', { ...base, start: '2031-03-30T02:30' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', details: { reason: 'dst_gap' } },
    });
    expect(
      await ask(kari, 'scheduling:schedule', { ...base, start: '2031-10-26T02:30' }),
    ).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', details: { reason: 'dst_ambiguous' } },
    });
  });

  it('show the coordinator no plan data of a patient whose plan she may not read', async () => {
    const overview = await ask<CoordinatorOverview>(
      await connect(server.tokenFor('person-kari')),
      'scheduling:overview',
      {},
    );
    const nils = overview.ok
      ? overview.data.patients.find((p) => p.patientId === 'patient-nils')
      : null;

    expect(nils).toMatchObject({
      planAccess: false,
      carePlanId: null,
      nextReview: null,
      openActions: null,
      overdueActions: null,
    });
    expect(
      overview.ok && overview.data.patients.find((p) => p.patientId === PATIENT),
    ).toMatchObject({
      planAccess: true,
      carePlanId: 'plan-demo',
    });
  });

  it('refuse a ring into a cancelled meeting or one not open yet', async () => {
    const kari = await connect(server.tokenFor('person-kari'));
    const tomorrow = await schedule('person-kari', PATIENT, 24 * 60);
    const cancelled = await schedule('person-kari', PATIENT, 10);
    const ring = (meetingId: string) =>
      ask(kari, 'ring:start', { patientId: PATIENT, personIds: ['person-astrid'], meetingId });

    expect(await ring(tomorrow.ok ? tomorrow.data.id : '')).toMatchObject({
      ok: false,
      error: { code: 'link_not_open_yet' },
    });
    await ask(kari, 'scheduling:cancel', { meetingId: cancelled.ok ? cancelled.data.id : '' });
    expect(await ring(cancelled.ok ? cancelled.data.id : '')).toMatchObject({
      ok: false,
      error: { code: 'meeting_cancelled' },
    });
  });

  it('limit how many calls one person starts a minute', async () => {
    const ola = await connect(server.tokenFor('person-ola'));
    const answers = [];

    for (let i = 0; i < 12; i++) {
      answers.push(await ask(ola, 'ring:start', { patientId: PATIENT, personIds: ['person-per'] }));
    }

    expect(answers.filter((a) => a.ok)).toHaveLength(10);
    expect(answers.at(-1)).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', details: { retryAfterSeconds: expect.any(Number) } },
    });
  });

  it("refuse a note that names another patient's meeting, or none that exists", async () => {
    const token = server.tokenFor('person-ola');
    const opened = await http<{ plan: { version: number } }>(
      server,
      'GET',
      '/api/careplans/plan-demo',
      {
        token,
      },
    );
    const nilsMeeting = await schedule('person-ola', 'patient-nils', 600);

    for (const meetingId of ['no-such-meeting', nilsMeeting.ok ? nilsMeeting.data.id : '']) {
      const answer = await http(server, 'POST', '/api/careplans/plan-demo/operations', {
        token,
        json: {
          baseVersion: opened.body.plan.version,
          idempotencyKey: randomUUID(),
          operation: {
            type: 'note.add',
            noteId: randomUUID(),
            kind: 'note',
            text: 'Notat',
            meetingId,
          },
        },
      });

      expect(answer).toMatchObject({ status: 400, body: { code: 'invalid_request' } });
    }
  });
});
