import { randomUUID } from 'node:crypto';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type {
  EnterReply,
  JoinReply,
  LobbyStatus,
  TransportOptions,
  WaitingPerson,
} from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

type Entered<S extends EnterReply['status']> = Extract<EnterReply, { status: S }>;

describe('the waiting room', () => {
  let server: TestServer;
  let meetingId: string;
  const sockets: TestSocket[] = [];

  const connect = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    return socket;
  };

  const enter = async <S extends EnterReply['status']>(personId: string, expected: S) => {
    const socket = await connect(personId);
    const ack = await ask<EnterReply>(socket, 'meeting:enter', { meetingId });

    if (!ack.ok) throw new Error(`entering failed: ${ack.error.code}`);
    expect(ack.data.status).toBe(expected);

    return { socket, reply: ack.data as Entered<S> };
  };

  beforeAll(async () => {
    server = await startTestServer();
  });

  // Each test has a meeting of its own, so that nobody let in by one test is known to the next.
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  const freshMeeting = async (options: { hasWaitingRoom?: boolean } = {}) => {
    meetingId = randomUUID();
    await server.db.query(
      `insert into meetings (id, patient_id, title, waiting_room)
       values ($1, 'patient-demo', 'Teammøte', $2)`,
      [meetingId, options.hasWaitingRoom ?? true],
    );
  };

  afterAll(async () => {
    await server.stop();
  });

  it('lets team members in at once and has the patient wait, telling the team who waits', async () => {
    await freshMeeting();

    const coordinator = await enter('person-kari', 'joined');
    const changed = nextEvent<{ meetingId: string; waiting: WaitingPerson[] }>(
      coordinator.socket,
      'lobby:changed',
    );
    const patient = await enter('person-astrid', 'waiting');

    expect(coordinator.reply.self.role).toBe('coordinator');
    expect(patient.reply).toMatchObject({
      meetingId,
      isTeamPresent: true,
      language: 'nb',
    });
    expect(Date.parse(patient.reply.now) - Date.parse(patient.reply.waitingSince)).toBeLessThan(
      1000,
    );
    expect(await changed).toEqual({
      meetingId,
      waiting: [
        {
          peerId: patient.reply.peerId,
          personId: 'person-astrid',
          displayName: 'Astrid Solberg',
          role: 'patient',
          organisation: null,
          waitingSince: patient.reply.waitingSince,
        },
      ],
    });
    expect(server.meetings.meeting(meetingId)?.size).toBe(1);
  });

  it('refuses a waiting person a direct join, so the waiting room cannot be skipped', async () => {
    await freshMeeting();

    const socket = await connect('person-liv');

    expect(await ask(socket, 'meeting:join', { meetingId })).toMatchObject({
      ok: false,
      error: { code: 'forbidden', details: { waitingRoom: true } },
    });
  });

  it('lets the patient in with the same peer id, and the patient can then set up media', async () => {
    await freshMeeting();

    const coordinator = await enter('person-kari', 'joined');
    const patient = await enter('person-astrid', 'waiting');
    const admitted = nextEvent<JoinReply>(patient.socket, 'lobby:admitted');
    const joined = nextEvent<{ peerId: string; role: string }>(coordinator.socket, 'peer:joined');
    const emptied = nextEvent<{ waiting: WaitingPerson[] }>(coordinator.socket, 'lobby:changed');

    expect(await ask(coordinator.socket, 'lobby:admit', { peerId: patient.reply.peerId })).toEqual({
      ok: true,
      data: {},
    });

    const reply = await admitted;

    expect(reply.self).toMatchObject({ peerId: patient.reply.peerId, personId: 'person-astrid' });
    expect(reply.peers.map((p) => p.peerId)).toEqual([coordinator.reply.self.peerId]);
    expect(reply.routerRtpCapabilities.codecs?.length).toBeGreaterThan(0);
    expect(await joined).toMatchObject({ peerId: patient.reply.peerId, role: 'patient' });
    expect(await emptied).toMatchObject({ waiting: [] });
    expect(
      await ask<TransportOptions>(patient.socket, 'media:createTransport', { direction: 'recv' }),
    ).toMatchObject({ ok: true });
  });

  it('sends a patient back: the others see them leave, their media is refused, and they wait again', async () => {
    await freshMeeting();

    const coordinator = await enter('person-kari', 'joined');
    const patient = await enter('person-astrid', 'waiting');
    const admitted = nextEvent<JoinReply>(patient.socket, 'lobby:admitted');

    await ask(coordinator.socket, 'lobby:admit', { peerId: patient.reply.peerId });
    await admitted;

    const left = nextEvent<{ peerId: string }>(coordinator.socket, 'peer:left');
    const returned = nextEvent<LobbyStatus>(patient.socket, 'lobby:returned');
    const waitingAgain = nextEvent<{ waiting: WaitingPerson[] }>(
      coordinator.socket,
      'lobby:changed',
    );

    expect(await ask(coordinator.socket, 'lobby:return', { peerId: patient.reply.peerId })).toEqual(
      { ok: true, data: {} },
    );
    expect(await left).toEqual({ peerId: patient.reply.peerId });
    expect(await returned).toMatchObject({ meetingId, peerId: patient.reply.peerId });
    expect((await waitingAgain).waiting.map((w) => w.personId)).toEqual(['person-astrid']);
    expect(await ask(patient.socket, 'media:createTransport', { direction: 'recv' })).toMatchObject(
      { ok: false, error: { code: 'not_in_meeting' } },
    );
    expect(await ask(patient.socket, 'lobby:status', {})).toMatchObject({
      ok: true,
      data: { peerId: patient.reply.peerId, isTeamPresent: true },
    });
    expect(
      await server.db.query(
        `select action, actor_id from audit_events
          where meeting_id = $1 and action in ('meeting.admit', 'meeting.return') order by id`,
        [meetingId],
      ),
    ).toEqual([
      { action: 'meeting.admit', actor_id: 'person-kari' },
      { action: 'meeting.return', actor_id: 'person-kari' },
    ]);
  });

  it('checks again on letting someone in, and turns away one who no longer belongs to the care', async () => {
    await freshMeeting();
    await server.db.exec(
      `insert into persons (id, kind, display_name) values ('person-nabo', 'relative', 'Nabo Test')
         on conflict do nothing;
       insert into related_persons (patient_id, person_id, relationship)
         values ('patient-demo', 'person-nabo', 'neighbour') on conflict do nothing;`,
    );

    const coordinator = await enter('person-kari', 'joined');
    const neighbour = await enter('person-nabo', 'waiting');
    const turnedAway = nextEvent<{ reason: string }>(neighbour.socket, 'meeting:ended');

    await server.db.exec(`delete from related_persons where person_id = 'person-nabo'`);

    expect(
      await ask(coordinator.socket, 'lobby:admit', { peerId: neighbour.reply.peerId }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await turnedAway).toEqual({ reason: 'removed' });
    expect(server.meetings.meeting(meetingId)?.size).toBe(1);
  });

  it('does not send team members to the waiting room', async () => {
    await freshMeeting();

    const coordinator = await enter('person-kari', 'joined');
    const physician = await enter('person-ola', 'joined');

    expect(
      await ask(coordinator.socket, 'lobby:return', { peerId: physician.reply.self.peerId }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('lets only team members let people in', async () => {
    await freshMeeting();

    const coordinator = await enter('person-kari', 'joined');
    const patient = await enter('person-astrid', 'waiting');
    const admitted = nextEvent<JoinReply>(patient.socket, 'lobby:admitted');

    await ask(coordinator.socket, 'lobby:admit', { peerId: patient.reply.peerId });
    await admitted;

    const relative = await enter('person-liv', 'waiting');

    expect(
      await ask(patient.socket, 'lobby:admit', { peerId: relative.reply.peerId }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(
      await ask(relative.socket, 'lobby:admit', { peerId: relative.reply.peerId }),
    ).toMatchObject({ ok: false, error: { code: 'not_in_meeting' } });
  });

  it('keeps the patient waiting while no team member is there, and tells them when one comes', async () => {
    await freshMeeting();

    const patient = await enter('person-astrid', 'waiting');

    expect(patient.reply.isTeamPresent).toBe(false);
    expect(server.meetings.meeting(meetingId)).toBeUndefined();

    const teamArrives = nextEvent<LobbyStatus>(patient.socket, 'lobby:waiting');
    const nurseSocket = await connect('person-ingrid');
    const toldWhoWaits = nextEvent<{ waiting: WaitingPerson[] }>(nurseSocket, 'lobby:changed');

    expect(await ask(nurseSocket, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
    expect((await toldWhoWaits).waiting.map((w) => w.peerId)).toEqual([patient.reply.peerId]);
    expect(await teamArrives).toMatchObject({
      isTeamPresent: true,
      waitingSince: patient.reply.waitingSince,
    });
  });

  it('tells the waiting person how long they have waited, also after a reload', async () => {
    await freshMeeting();

    const first = await enter('person-liv', 'waiting');

    await new Promise((resolve) => setTimeout(resolve, 50));

    const status = await ask<LobbyStatus>(first.socket, 'lobby:status', {});

    if (!status.ok) throw new Error(status.error.code);
    expect(
      Date.parse(status.data.now) - Date.parse(status.data.waitingSince),
    ).toBeGreaterThanOrEqual(50);

    const replaced = nextEvent<{ reason: string }>(first.socket, 'meeting:ended');
    const second = await enter('person-liv', 'waiting');

    expect(await replaced).toEqual({ reason: 'replaced' });
    expect(second.reply.waitingSince).toBe(first.reply.waitingSince);
    expect(await ask(first.socket, 'lobby:status', {})).toMatchObject({
      ok: false,
      error: { code: 'not_in_meeting' },
    });
  });

  it('takes a waiting person whose connection closes out of the waiting room', async () => {
    await freshMeeting();

    const coordinator = await enter('person-kari', 'joined');
    const patient = await enter('person-astrid', 'waiting');
    const changes: WaitingPerson[][] = [];

    coordinator.socket.on('lobby:changed', ({ waiting }) => changes.push(waiting));
    patient.socket.close();

    await expect.poll(() => changes.at(-1)).toEqual([]);
    expect(
      await ask(coordinator.socket, 'lobby:admit', { peerId: patient.reply.peerId }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('takes a person who leaves while waiting out of the waiting room', async () => {
    await freshMeeting();

    const coordinator = await enter('person-kari', 'joined');
    const patient = await enter('person-astrid', 'waiting');
    const emptied = nextEvent<{ waiting: WaitingPerson[] }>(coordinator.socket, 'lobby:changed');

    expect(await ask(patient.socket, 'meeting:leave', {})).toEqual({ ok: true, data: {} });
    expect(await emptied).toMatchObject({ waiting: [] });
  });

  it('lets a person once let in straight back in after a dropped connection', async () => {
    await freshMeeting();

    const coordinator = await enter('person-kari', 'joined');
    const patient = await enter('person-astrid', 'waiting');
    const admitted = nextEvent<JoinReply>(patient.socket, 'lobby:admitted');

    await ask(coordinator.socket, 'lobby:admit', { peerId: patient.reply.peerId });
    await admitted;

    const left = nextEvent(coordinator.socket, 'peer:left');

    patient.socket.close();
    await left;

    const back = await enter('person-astrid', 'joined');

    expect(back.reply.self.personId).toBe('person-astrid');
  });

  it('lets everyone in at once in a meeting without a waiting room', async () => {
    await freshMeeting({ hasWaitingRoom: false });

    const patient = await enter('person-astrid', 'joined');
    const socket = await connect('person-liv');

    expect(patient.reply.self.role).toBe('patient');
    expect(await ask(socket, 'meeting:join', { meetingId })).toMatchObject({ ok: true });
  });
});
