import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type {
  Ack,
  ErrorBody,
  Invitation,
  LinkResponse,
  LinkSession,
  MyMeetings,
  ScheduledMeeting,
} from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, startTestServer } from '../testing/harness.ts';
import { http, osloIn } from '../testing/scheduling.ts';

/*
 * Personal links: the patient and relatives come in without an account, with a link that admits
 * only them, only on the device that first used it, and only around the meeting's time.
 */

const PATIENT = 'patient-demo';

describe('a personal link', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const connect = async (token: string) => {
    const socket = await connectClient(server.url, token);

    sockets.push(socket);

    return <T>(event: string, payload: unknown = {}) => ask<T>(socket, event, payload);
  };

  const kari = async <T>(event: string, payload: unknown) => {
    const ack = await (await connect(server.tokenFor('person-kari')))<T>(event, payload);

    if (!ack.ok) throw new Error(`refused: ${ack.error.message}`);

    return ack.data;
  };

  /** A meeting about Astrid with her daughter Liv, starting `minutesAhead` from now. */
  const meetingIn = async (minutesAhead: number) => {
    const meeting = await kari<ScheduledMeeting>('scheduling:schedule', {
      patientId: PATIENT,
      purpose: 'Oppfølging hjemme',
      start: osloIn(minutesAhead),
      durationMinutes: 30,
      participants: [{ personId: 'person-liv' }, { personId: 'person-ingrid' }],
    });
    const invitations = await http<Invitation[]>(
      server,
      'GET',
      `/api/meetings/${meeting.id}/invitations`,
      { token: server.tokenFor('person-kari') },
    );
    const linkOf = (personId: string) =>
      new URL(invitations.body.find((i) => i.personId === personId)!.joinUrl).hash.replace(
        '#link=',
        '',
      );

    return { meeting, astrid: linkOf('person-astrid'), liv: linkOf('person-liv') };
  };

  const open = (link: string, deviceKey?: string) =>
    http<LinkSession & ErrorBody>(server, 'POST', '/api/links/open', {
      json: deviceKey === undefined ? { link } : { link, deviceKey },
    });

  /** Moves the meeting, as if time had passed: its start `minutes` from now. */
  const startsIn = async (meetingId: string, minutes: number) => {
    await server.db.query(
      `update meetings set starts_at = now() + make_interval(mins => $2) where id = $1`,
      [meetingId, minutes],
    );
  };

  const linkAudit = (meetingId: string) =>
    server.db.query<{ actor_id: string; outcome: string }>(
      `select actor_id, outcome from audit_events
        where action = 'meeting.link' and meeting_id = $1 order by id`,
      [meetingId],
    );

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  it("opens around the meeting's time as a session for that person and meeting only", async () => {
    const { meeting, astrid } = await meetingIn(10);
    const opened = await open(astrid);

    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({
      meetingId: meeting.id,
      personId: 'person-astrid',
      role: 'patient',
      deviceKey: expect.stringMatching(/^[\w-]{43}$/),
      occurrence: { localStart: meeting.localStart },
      // The language of her invitation, for the pages she sees before the meeting.
      language: 'nb',
    });
    expect(server.tokens.verify(opened.body.token)).toMatchObject({
      sub: 'person-astrid',
      meetingId: meeting.id,
    });
    // The session lasts until 30 minutes after the meeting's end.
    expect(Date.parse(opened.body.expiresAt)).toBe(
      Date.parse(meeting.next!.endsAt) + 30 * 60 * 1000,
    );

    const asAstrid = await connect(opened.body.token);
    const mine = await asAstrid<MyMeetings>('scheduling:myMeetings');

    expect(mine.ok && mine.data.upcoming.map((m) => m.meetingId)).toEqual([meeting.id]);
    expect(await linkAudit(meeting.id)).toEqual([
      { actor_id: 'person-astrid', outcome: 'success' },
    ]);
  });

  it('opens again on the device that first used it', async () => {
    const { astrid } = await meetingIn(10);
    const first = await open(astrid);
    const again = await open(astrid, first.body.deviceKey);

    expect(again.status).toBe(200);
    expect(again.body.deviceKey).toBe(first.body.deviceKey);
  });

  it('used by someone else, on another device, is refused with a clear message', async () => {
    const { meeting, astrid } = await meetingIn(10);

    await open(astrid);

    for (const elsewhere of [await open(astrid), await open(astrid, 'a-key-from-another-device')]) {
      expect(elsewhere.status).toBe(403);
      expect(elsewhere.body).toEqual({
        code: 'link_used_elsewhere',
        message:
          'this link has already been used on another device; if that was not you, ask the ' +
          'person who invited you for a new link',
      });
    }
    expect((await linkAudit(meeting.id)).map((a) => a.outcome)).toEqual([
      'success',
      'denied',
      'denied',
    ]);
  });

  it('used too early is refused, saying when the meeting starts and the link opens', async () => {
    const { meeting, astrid } = await meetingIn(24 * 60);
    const early = await open(astrid);

    expect(early.status).toBe(403);
    expect(early.body).toEqual({
      code: 'link_not_open_yet',
      message:
        `the meeting starts at ${meeting.localStart!.replace('T', ' ')} (Europe/Oslo); ` +
        'the link opens 30 minutes before',
      details: {
        startsAt: meeting.startsAt,
        localStart: meeting.localStart,
        opensAt: new Date(Date.parse(meeting.startsAt!) - 30 * 60 * 1000).toISOString(),
      },
    });
    // Nothing was bound: the patient's own device can still be the first.
    expect(
      await server.db.query(
        `select count(*)::int as bound from meeting_links
          where meeting_id = $1 and bound_at is not null`,
        [meeting.id],
      ),
    ).toEqual([{ bound: 0 }]);
  });

  it('used too late is refused, saying when the meeting ended', async () => {
    const { meeting, astrid } = await meetingIn(10);

    // The meeting took place earlier today.
    await startsIn(meeting.id, -180);

    const late = await open(astrid);

    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({
      code: 'link_closed',
      message: expect.stringMatching(
        /^the meeting ended at \d{4}-\d{2}-\d{2} \d{2}:\d{2} \(Europe\/Oslo\); the link no longer works$/,
      ),
    });
  });

  it('used after the meeting was cancelled is refused, saying so', async () => {
    const { meeting, astrid } = await meetingIn(10);

    await kari('scheduling:cancel', { meetingId: meeting.id });

    const cancelled = await open(astrid);

    expect(cancelled.status).toBe(410);
    expect(cancelled.body).toEqual({
      code: 'meeting_cancelled',
      message: 'the meeting has been cancelled',
    });
  });

  it('keeps a session it gave out from coming back into a cancelled or ended meeting', async () => {
    const { meeting, astrid } = await meetingIn(10);
    const session = (await open(astrid)).body;
    const asAstrid = await connect(session.token);

    await startsIn(meeting.id, -180);
    expect(await asAstrid('meeting:join', { meetingId: meeting.id })).toMatchObject({
      ok: false,
      error: { code: 'link_closed' },
    });

    await startsIn(meeting.id, 10);

    const live = sockets.at(-1)!;
    const closed = new Promise((resolve) => live.once('disconnect', resolve));

    await kari('scheduling:cancel', { meetingId: meeting.id });
    // The cancellation ends the session: its connection is closed and a new one refused.
    await closed;
    await expect(connectClient(server.url, session.token)).rejects.toMatchObject({
      data: { code: 'meeting_cancelled', message: 'the meeting has been cancelled' },
    });
  });

  it('that has been reissued no longer works; the new one does', async () => {
    const { meeting, liv } = await meetingIn(10);
    const reissued = await http<Invitation>(
      server,
      'POST',
      `/api/meetings/${meeting.id}/invitations/person-liv/reissue`,
      { token: server.tokenFor('person-kari') },
    );
    const fresh = new URL(reissued.body.joinUrl).hash.replace('#link=', '');

    expect(reissued.status).toBe(200);
    expect(await open(liv)).toMatchObject({
      status: 401,
      body: {
        code: 'unauthorized',
        message:
          'this link has been replaced by a newer one: use the link in your latest invitation',
      },
    });
    expect(await open(fresh)).toMatchObject({ status: 200, body: { personId: 'person-liv' } });
  });

  it('admits nobody by itself, and an access token is no link', async () => {
    const { meeting, astrid } = await meetingIn(10);
    const asLink = await connect(astrid);
    const joined: Ack<unknown> = await asLink('meeting:join', { meetingId: meeting.id });

    expect(joined).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await open(server.tokenFor('person-astrid'))).toMatchObject({
      status: 401,
      body: { code: 'unauthorized', message: 'this is not a personal meeting link' },
    });
    expect(await open('not-a-token')).toMatchObject({ status: 401 });
  });

  it('answers the invitation any time before the meeting, for the coordinator to see', async () => {
    const { meeting, astrid } = await meetingIn(3 * 24 * 60);
    const answered = await http<LinkResponse>(server, 'POST', '/api/links/respond', {
      json: { link: astrid, response: 'declined' },
    });

    expect(answered).toMatchObject({
      status: 200,
      body: { meetingId: meeting.id, response: 'declined' },
    });

    const seen = await kari<ScheduledMeeting>('scheduling:get', { meetingId: meeting.id });

    expect(seen.participants.find((p) => p.personId === 'person-astrid')).toMatchObject({
      response: 'declined',
      respondedBy: null,
    });
  });
});
