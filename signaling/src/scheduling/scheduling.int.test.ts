import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type {
  Ack,
  CoordinatorOverview,
  Invitation,
  Invitee,
  MyMeetings,
  ScheduledMeeting,
  ScheduleMeeting,
} from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, startTestServer } from '../testing/harness.ts';
import {
  http,
  osloIn,
  osloToday,
  readCalendar,
  SCHEDULING_FIXTURE_SQL,
} from '../testing/scheduling.ts';

/*
 * Scheduling through the server as the web client uses it: Socket.io requests for the meetings,
 * HTTP for invitations and calendar files, which are read back with ical.js.
 */

const PATIENT = 'patient-demo';

describe('scheduling meetings', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const as = async (personId: string, options: { meetingId?: string } = {}) => {
    const socket = await connectClient(server.url, server.tokenFor(personId, options));

    sockets.push(socket);

    return <T>(event: string, payload: unknown = {}) => ask<T>(socket, event, payload);
  };

  const ok = <T>(ack: Ack<T>): T => {
    if (!ack.ok) throw new Error(`refused: ${ack.error.code}: ${ack.error.message}`);

    return ack.data;
  };

  const schedule = async (overrides: Partial<ScheduleMeeting> = {}) =>
    ok(
      await (
        await as('person-kari')
      )<ScheduledMeeting>('scheduling:schedule', {
        patientId: PATIENT,
        purpose: 'Gjennomgang av planen etter innleggelsen',
        start: osloIn(24 * 60),
        durationMinutes: 45,
        participants: [
          { personId: 'person-ingrid' },
          { personId: 'person-per', required: false },
          { personId: 'person-liv' },
          { personId: 'person-tolk', interpreterLanguage: 'pl' },
        ],
        ...overrides,
      }),
    );

  const audited = (action: string) =>
    server.db.query<{ actor_id: string; outcome: string }>(
      'select actor_id, outcome from audit_events where action = $1 order by id',
      [action],
    );

  const calendarOf = async (meetingId: string, personId: string, token: string) => {
    const answer = await http(
      server,
      'GET',
      `/api/meetings/${meetingId}/invitations/${personId}/invitation.ics`,
      { token },
    );

    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/calendar/);

    return readCalendar(answer.text);
  };

  beforeAll(async () => {
    server = await startTestServer();
    await server.db.exec(SCHEDULING_FIXTURE_SQL);
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  describe('a meeting scheduled by the coordinator', () => {
    // Participants are listed patient first, then relatives, then everyone else by name.
    it('invites the patient and the organiser besides those chosen, each in their role', async () => {
      const start = osloIn(24 * 60);
      const meeting = await schedule({ start });

      expect(meeting).toMatchObject({
        patientId: PATIENT,
        patientName: 'Astrid Solberg',
        kind: 'scheduled',
        status: 'scheduled',
        purpose: 'Gjennomgang av planen etter innleggelsen',
        localStart: start,
        timeZone: 'Europe/Oslo',
        durationMinutes: 45,
        rrule: null,
        sequence: 0,
        icalUid: expect.stringMatching(/@teamrom$/),
        createdBy: 'person-kari',
        next: { localStart: start },
      });
      expect(
        meeting.participants.map((p) => [
          p.personId,
          p.role,
          p.required,
          p.response,
          p.hasPersonalLink,
          p.interpreterLanguage,
        ]),
      ).toEqual([
        ['person-astrid', 'patient', true, 'needs-action', true, null],
        ['person-liv', 'relative', true, 'needs-action', true, null],
        ['person-ingrid', 'nurse', true, 'needs-action', false, null],
        ['person-kari', 'coordinator', true, 'accepted', false, null],
        ['person-per', 'gp', false, 'needs-action', false, null],
        ['person-tolk', 'interpreter', true, 'needs-action', true, 'pl'],
      ]);
      expect(await audited('meeting.schedule')).toContainEqual({
        actor_id: 'person-kari',
        outcome: 'success',
      });
    });

    it('records each answer, given by the participant or written down by the team', async () => {
      const meeting = await schedule();
      const ingrid = await as('person-ingrid');
      const kari = await as('person-kari');

      ok(await ingrid('scheduling:respond', { meetingId: meeting.id, response: 'declined' }));
      ok(
        await kari('scheduling:respond', {
          meetingId: meeting.id,
          response: 'accepted',
          personId: 'person-astrid',
        }),
      );

      const seen = ok(await kari<ScheduledMeeting>('scheduling:get', { meetingId: meeting.id }));
      const answers = Object.fromEntries(
        seen.participants.map((p) => [p.personId, [p.response, p.respondedBy]]),
      );

      expect(answers).toMatchObject({
        'person-ingrid': ['declined', null],
        'person-astrid': ['accepted', 'person-kari'],
        'person-liv': ['needs-action', null],
      });
    });

    it("shows in each participant's meetings with a join button 10 minutes before", async () => {
      const start = osloIn(3 * 24 * 60);
      const meeting = await schedule({ start });
      const mine = ok(await (await as('person-ingrid'))<MyMeetings>('scheduling:myMeetings'));
      const item = mine.upcoming.find((m) => m.meetingId === meeting.id)!;

      expect(item).toMatchObject({
        localStart: start,
        patientName: 'Astrid Solberg',
        myRole: 'nurse',
        myResponse: 'needs-action',
        status: 'scheduled',
        recurring: false,
      });
      expect(Date.parse(item.startsAt) - Date.parse(item.joinOpensAt)).toBe(10 * 60 * 1000);
      expect(mine.upcoming.map((m) => m.startsAt)).toEqual(
        [...mine.upcoming.map((m) => m.startsAt)].sort(),
      );
    });

    it('gives a recurring series at 10:00 in Oslo in summer and winter time alike', async () => {
      // Far enough ahead to stay in the future; Oslo moves to summer time on 31 March 2030.
      const meeting = await schedule({ start: '2030-03-25T10:00', rrule: 'FREQ=WEEKLY;COUNT=3' });
      const mine = ok(await (await as('person-ingrid'))<MyMeetings>('scheduling:myMeetings'));
      const series = mine.upcoming.filter((m) => m.meetingId === meeting.id);

      expect(series.map((m) => [m.localStart, m.startsAt])).toEqual([
        ['2030-03-25T10:00', '2030-03-25T09:00:00.000Z'],
        ['2030-04-01T10:00', '2030-04-01T08:00:00.000Z'],
        ['2030-04-08T10:00', '2030-04-08T08:00:00.000Z'],
      ]);
      expect(
        (await calendarOf(meeting.id, 'person-ingrid', server.tokenFor('person-kari'))).starts,
      ).toEqual([
        '2030-03-25T09:00:00.000Z',
        '2030-04-01T08:00:00.000Z',
        '2030-04-08T08:00:00.000Z',
      ]);
    });

    it('lists whom a meeting about the patient can invite', async () => {
      const invitees = ok(
        await (
          await as('person-kari')
        )<Invitee[]>('scheduling:invitees', { patientId: PATIENT }),
      );

      expect(invitees.map((i) => [i.personId, i.role])).toEqual(
        expect.arrayContaining([
          ['person-astrid', 'patient'],
          ['person-ola', 'physician'],
          ['person-tolk', 'interpreter'],
          ['person-liv', 'relative'],
        ]),
      );
      expect(invitees[0]).toMatchObject({ personId: 'person-astrid' });
    });
  });

  describe('invitations', () => {
    it('give the patient a personal link and her language, and staff the meeting page', async () => {
      const meeting = await schedule();
      const answer = await http<Invitation[]>(
        server,
        'GET',
        `/api/meetings/${meeting.id}/invitations`,
        { token: server.tokenFor('person-kari') },
      );
      const byPerson = Object.fromEntries(answer.body.map((i) => [i.personId, i]));

      expect(answer.status).toBe(200);
      expect(byPerson['person-astrid']).toMatchObject({
        method: 'REQUEST',
        sequence: 0,
        joinUrl: expect.stringMatching(new RegExp(`/m/${meeting.id}#link=[\\w-]+\\.[\\w-]+\\.`)),
        text: { language: 'nb', subject: 'Videomøte med helseteamet ditt' },
      });
      expect(byPerson['person-astrid']!.text.body).toContain('Ingenting blir tatt opp');
      expect(byPerson['person-ingrid']!.joinUrl).toMatch(new RegExp(`/m/${meeting.id}$`));
      expect(byPerson['person-tolk']!.text.body).toContain('tolk (polsk)');
    });

    it('come as calendar files naming patients and relatives by role only', async () => {
      const meeting = await schedule();
      const calendar = await calendarOf(
        meeting.id,
        'person-astrid',
        server.tokenFor('person-kari'),
      );

      expect(calendar).toMatchObject({ method: 'REQUEST', uid: meeting.icalUid, sequence: 0 });
      expect(calendar.attendees.map((a) => a.name)).toEqual(
        expect.arrayContaining(['Pasient', 'Pårørende', 'Tolk', 'Ingrid Berg']),
      );
      expect(JSON.stringify(calendar)).not.toContain('Astrid');
      expect(calendar.description).toContain('#link=');
    });

    it('can be downloaded by the participant for themselves', async () => {
      const meeting = await schedule();
      const own = await http(server, 'GET', `/api/meetings/${meeting.id}/invitation.ics`, {
        token: server.tokenFor('person-ingrid'),
      });

      expect(own.status).toBe(200);
      expect(readCalendar(own.text)).toMatchObject({ uid: meeting.icalUid, method: 'REQUEST' });
    });
  });

  describe('rescheduling and cancelling', () => {
    it('raise the SEQUENCE under the same UID and ask everyone to answer again', async () => {
      const meeting = await schedule();
      const kari = await as('person-kari');

      ok(
        await (
          await as('person-ingrid')
        )('scheduling:respond', { meetingId: meeting.id, response: 'accepted' }),
      );

      const newStart = osloIn(2 * 24 * 60);
      const moved = ok(
        await kari<ScheduledMeeting>('scheduling:reschedule', {
          meetingId: meeting.id,
          start: newStart,
        }),
      );

      expect(moved).toMatchObject({ sequence: 1, icalUid: meeting.icalUid, localStart: newStart });
      expect(moved.participants.find((p) => p.personId === 'person-ingrid')?.response).toBe(
        'needs-action',
      );
      expect(moved.participants.find((p) => p.personId === 'person-kari')?.response).toBe(
        'accepted',
      );

      const updated = await calendarOf(meeting.id, 'person-ingrid', server.tokenFor('person-kari'));

      expect(updated).toMatchObject({
        method: 'REQUEST',
        uid: meeting.icalUid,
        sequence: 1,
        localStart: `${newStart}:00`,
      });

      const cancelled = ok(
        await kari<ScheduledMeeting>('scheduling:cancel', { meetingId: meeting.id }),
      );

      expect(cancelled).toMatchObject({
        status: 'cancelled',
        sequence: 2,
        icalUid: meeting.icalUid,
      });
      expect(
        await calendarOf(meeting.id, 'person-astrid', server.tokenFor('person-kari')),
      ).toMatchObject({
        method: 'CANCEL',
        status: 'CANCELLED',
        uid: meeting.icalUid,
        sequence: 2,
      });

      // A second cancellation changes nothing; a cancelled meeting cannot be moved.
      expect(
        ok(await kari<ScheduledMeeting>('scheduling:cancel', { meetingId: meeting.id })),
      ).toMatchObject({
        sequence: 2,
      });
      expect(
        await kari('scheduling:reschedule', { meetingId: meeting.id, start: osloIn(3000) }),
      ).toMatchObject({ ok: false, error: { code: 'meeting_cancelled' } });
    });

    it('send a cancellation to a participant taken off, and an update to the others', async () => {
      const meeting = await schedule();
      const kari = await as('person-kari');
      const changed = ok(
        await kari<ScheduledMeeting>('scheduling:reschedule', {
          meetingId: meeting.id,
          participants: [{ personId: 'person-ingrid' }, { personId: 'person-liv' }],
        }),
      );
      const token = server.tokenFor('person-kari');

      // The list given is the list; the patient always stays.
      expect(changed.participants.map((p) => p.personId).sort()).toEqual([
        'person-astrid',
        'person-ingrid',
        'person-liv',
      ]);
      expect(await calendarOf(meeting.id, 'person-per', token)).toMatchObject({
        method: 'CANCEL',
        sequence: 1,
      });
      expect(await calendarOf(meeting.id, 'person-ingrid', token)).toMatchObject({
        method: 'REQUEST',
        sequence: 1,
      });
    });

    it('keep the answers when only the participants change', async () => {
      const meeting = await schedule();

      ok(
        await (
          await as('person-ingrid')
        )('scheduling:respond', { meetingId: meeting.id, response: 'accepted' }),
      );

      const changed = ok(
        await (
          await as('person-kari')
        )<ScheduledMeeting>('scheduling:reschedule', {
          meetingId: meeting.id,
          purpose: 'Ny hensikt',
        }),
      );

      expect(changed.purpose).toBe('Ny hensikt');
      expect(changed.participants.find((p) => p.personId === 'person-ingrid')?.response).toBe(
        'accepted',
      );
    });
  });

  describe("the coordinator's overview", () => {
    it('lists her patients with next review, open and overdue actions and meetings', async () => {
      const meeting = await schedule({ start: osloIn(5 * 24 * 60) });
      const overview = ok(
        await (
          await as('person-kari')
        )<CoordinatorOverview>('scheduling:overview'),
      );
      const astrid = overview.patients.find((p) => p.patientId === PATIENT)!;
      const today = osloToday();
      // The demo plan's open and in-progress actions are due on these days.
      const due = ['2026-12-15', '2026-12-10', '2026-12-20'];

      expect(overview.patients.map((p) => p.patientId).sort()).toEqual([PATIENT, 'patient-nils']);
      expect(astrid).toMatchObject({
        displayName: 'Astrid Solberg',
        carePlanId: 'plan-demo',
        nextReview: '2027-03-01',
        openActions: 3,
        overdueActions: due.filter((d) => d < today).length,
      });
      expect(astrid.upcomingMeetings.length).toBeLessThanOrEqual(3);
      expect(astrid.upcomingMeetings.map((m) => m.startsAt)).toEqual(
        [...astrid.upcomingMeetings.map((m) => m.startsAt)].sort(),
      );
      expect(overview.patients.find((p) => p.patientId === 'patient-nils')?.carePlanId).toBeNull();
      expect(await audited('coordinator.overview')).toEqual(
        expect.arrayContaining([{ actor_id: 'person-kari', outcome: 'success' }]),
      );
      expect(meeting.id).toBeTruthy();
    });

    it('is empty for someone who coordinates nobody', async () => {
      expect(
        ok(await (await as('person-ingrid'))<CoordinatorOverview>('scheduling:overview')),
      ).toEqual({ patients: [] });
    });
  });

  describe('who may do what', () => {
    const refused = (ack: Ack<unknown>, code = 'forbidden') =>
      expect(ack).toMatchObject({ ok: false, error: { code } });

    it('refuses scheduling by the patient and by a nurse outside the team, audited', async () => {
      const payload = {
        patientId: PATIENT,
        purpose: 'Møte',
        start: osloIn(600),
        durationMinutes: 30,
      };

      refused(await (await as('person-astrid'))('scheduling:schedule', payload));
      refused(await (await as('person-eva'))('scheduling:schedule', payload));
      expect(await audited('meeting.schedule')).toEqual(
        expect.arrayContaining([
          { actor_id: 'person-astrid', outcome: 'denied' },
          { actor_id: 'person-eva', outcome: 'denied' },
        ]),
      );
    });

    it('refuses a relative changing or cancelling, but lets her see and answer', async () => {
      const meeting = await schedule();
      const liv = await as('person-liv');

      refused(await liv('scheduling:reschedule', { meetingId: meeting.id, purpose: 'x' }));
      refused(await liv('scheduling:cancel', { meetingId: meeting.id }));
      expect(await liv('scheduling:get', { meetingId: meeting.id })).toMatchObject({ ok: true });
      expect(
        await liv('scheduling:respond', { meetingId: meeting.id, response: 'accepted' }),
      ).toMatchObject({ ok: true });
      refused(
        await liv('scheduling:respond', {
          meetingId: meeting.id,
          response: 'declined',
          personId: 'person-astrid',
        }),
      );
      expect(
        (
          await http(server, 'GET', `/api/meetings/${meeting.id}/invitations`, {
            token: server.tokenFor('person-liv'),
          })
        ).status,
      ).toBe(403);
    });

    it('refuses a relative who is not invited, and staff from outside the team', async () => {
      const meeting = await schedule();

      expect(
        await (
          await as('person-jon')
        )('scheduling:get', { meetingId: meeting.id }),
      ).toMatchObject({
        ok: false,
        error: { code: 'forbidden', message: 'you are not invited to this meeting' },
      });
      refused(await (await as('person-eva'))('scheduling:get', { meetingId: meeting.id }));
      refused(await (await as('person-eva'))('scheduling:cancel', { meetingId: meeting.id }));
      // Staff of the team see a meeting they are not invited to.
      expect(
        await (
          await as('person-ola')
        )('scheduling:get', { meetingId: meeting.id }),
      ).toMatchObject({ ok: true });
    });

    it("refuses a link for one patient's meeting reaching another patient", async () => {
      refused(
        await (
          await as('person-kari', { meetingId: 'demo' })
        )('scheduling:schedule', {
          patientId: 'patient-nils',
          purpose: 'Møte',
          start: osloIn(600),
          durationMinutes: 30,
        }),
      );
    });

    it('refuses a past start, a person outside the care, an interpreter without language', async () => {
      const kari = await as('person-kari');
      const base = { patientId: PATIENT, purpose: 'Møte', durationMinutes: 30 };

      expect(await kari('scheduling:schedule', { ...base, start: osloIn(-120) })).toMatchObject({
        ok: false,
        error: { code: 'invalid_request', message: 'a meeting cannot start in the past' },
      });
      expect(
        await kari('scheduling:schedule', {
          ...base,
          start: osloIn(600),
          participants: [{ personId: 'person-eva' }],
        }),
      ).toMatchObject({
        ok: false,
        error: { code: 'invalid_request', details: { personId: 'person-eva' } },
      });
      expect(
        await kari('scheduling:schedule', {
          ...base,
          start: osloIn(600),
          participants: [{ personId: 'person-tolk' }],
        }),
      ).toMatchObject({
        ok: false,
        error: {
          code: 'invalid_request',
          message: 'say which language the interpreter interprets',
        },
      });
      expect(
        await kari('scheduling:schedule', {
          ...base,
          start: osloIn(600),
          rrule: 'FREQ=WEEKLY',
        }),
      ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    });

    it('answers an unknown meeting with not_found', async () => {
      refused(
        await (
          await as('person-kari')
        )('scheduling:get', { meetingId: 'no-such' }),
        'not_found',
      );
    });
  });
});
