import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { Invitation, ScheduledMeeting, SchedulingChanged } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';
import { http, osloIn } from '../testing/scheduling.ts';

/*
 * A meeting's page hears of every change as it is stored (`scheduling:changed`) instead of asking
 * again and again, each time an audited read: answers given in Teamrom or with a personal link,
 * a new time, a cancellation, a link made anew.
 */

const PATIENT = 'patient-demo';

describe('notices that a scheduled meeting changed', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const connect = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    return socket;
  };

  const ok = async <T>(socket: TestSocket, event: string, payload: unknown): Promise<T> => {
    const ack = await ask<T>(socket, event, payload);

    if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code}`);

    return ack.data;
  };

  /** A meeting about Astrid with Ingrid and Astrid's daughter Liv, and the coordinator's page. */
  const meetingOpenOnPage = async () => {
    const kari = await connect('person-kari');
    const meeting = await ok<ScheduledMeeting>(kari, 'scheduling:schedule', {
      patientId: PATIENT,
      purpose: 'Oppfølging hjemme',
      start: osloIn(60),
      durationMinutes: 30,
      participants: [{ personId: 'person-ingrid' }, { personId: 'person-liv' }],
    });
    const page = await connect('person-kari');

    await ok(page, 'scheduling:get', { meetingId: meeting.id });

    return { kari, page, meeting };
  };

  /** Resolves with the events `socket` hears within `ms`. */
  const heardWithin = async (socket: TestSocket, ms: number) => {
    const heard: SchedulingChanged[] = [];
    const listener = (event: SchedulingChanged) => heard.push(event);

    socket.on('scheduling:changed', listener);
    await new Promise((resolve) => setTimeout(resolve, ms));
    socket.off('scheduling:changed', listener);

    return heard;
  };

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('reach a page that has the meeting open when a participant accepts', async () => {
    const { page, meeting } = await meetingOpenOnPage();
    const heard = nextEvent<SchedulingChanged>(page, 'scheduling:changed');

    await ok(await connect('person-ingrid'), 'scheduling:respond', {
      meetingId: meeting.id,
      response: 'accepted',
    });

    expect(await heard).toEqual({ meetingId: meeting.id, change: 'response' });

    const fetched = await ok<ScheduledMeeting>(page, 'scheduling:get', { meetingId: meeting.id });

    expect(fetched.participants.find((p) => p.personId === 'person-ingrid')?.response).toBe(
      'accepted',
    );
  });

  it('reach it when someone declines with their personal link', async () => {
    const { page, meeting } = await meetingOpenOnPage();
    const invitations = await http<Invitation[]>(
      server,
      'GET',
      `/api/meetings/${meeting.id}/invitations`,
      { token: server.tokenFor('person-kari') },
    );
    const link = new URL(
      invitations.body.find((i) => i.personId === 'person-liv')!.joinUrl,
    ).hash.replace('#link=', '');
    const heard = nextEvent<SchedulingChanged>(page, 'scheduling:changed');
    const answer = await http(server, 'POST', '/api/links/respond', {
      json: { link, response: 'declined' },
    });

    expect(answer.status).toBe(200);
    expect(await heard).toEqual({ meetingId: meeting.id, change: 'response' });
  });

  it('reach it when the meeting is moved, a link is made anew, or the meeting is cancelled', async () => {
    const { kari, page, meeting } = await meetingOpenOnPage();
    const heard = heardWithin(page, 1500);

    await ok(kari, 'scheduling:reschedule', { meetingId: meeting.id, start: osloIn(120) });
    expect(
      (
        await http(server, 'POST', `/api/meetings/${meeting.id}/invitations/person-liv/reissue`, {
          token: server.tokenFor('person-kari'),
        })
      ).status,
    ).toBe(200);
    await ok(kari, 'scheduling:cancel', { meetingId: meeting.id });
    // Cancelling a cancelled meeting changes nothing, and says nothing.
    await ok(kari, 'scheduling:cancel', { meetingId: meeting.id });

    expect((await heard).map((e) => e.change)).toEqual(['schedule', 'link', 'cancelled']);
  });

  it('reach only pages that have that meeting open, and none after they stop watching', async () => {
    const { kari, page, meeting } = await meetingOpenOnPage();
    const other = await meetingOpenOnPage();
    const elsewhere = await connect('person-kari');
    const heardElsewhere = heardWithin(elsewhere, 1000);
    const heardOnOtherPage = heardWithin(other.page, 1000);

    await ok(page, 'scheduling:unwatch', { meetingId: meeting.id });

    const heardOnPage = heardWithin(page, 1000);

    await ok(kari, 'scheduling:respond', { meetingId: meeting.id, response: 'declined' });

    expect(await heardElsewhere).toEqual([]);
    expect(await heardOnOtherPage).toEqual([]);
    expect(await heardOnPage).toEqual([]);
  });

  it('reach no one who was refused the meeting', async () => {
    const { kari, meeting } = await meetingOpenOnPage();
    const stranger = await connect('person-stranger');

    expect(await ask(stranger, 'scheduling:get', { meetingId: meeting.id })).toMatchObject({
      ok: false,
    });

    const heard = heardWithin(stranger, 1000);

    await ok(kari, 'scheduling:reschedule', { meetingId: meeting.id, purpose: 'Nytt formål' });
    expect(await heard).toEqual([]);
  });
});
