import { randomUUID } from 'node:crypto';

import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type {
  EnterReply,
  JoinReply,
  LobbyStatus,
  ResumeReply,
  TransportOptions,
} from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

const GRACE_MS = 2_000;
const OPUS = (ssrc: number) => ({
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc }],
  rtcp: { cname: 'resume-test' },
});

/** Everything a socket is told, in order, from now on. */
type Seen = { event: string; payload: unknown }[];

function recorder(socket: TestSocket): Seen {
  const seen: Seen = [];

  (socket as unknown as Socket).onAny((event: string, payload: unknown) => {
    if (event !== 'media:quality') seen.push({ event, payload });
  });

  return seen;
}

/**
 * Cuts the TCP connection under the client's WebSocket, as a lost network does: no close frame, so
 * the server cannot tell it from a network that went away (a closed page sends one).
 */
function cutNetwork(socket: TestSocket): void {
  const engine = (socket as unknown as Socket).io.engine as unknown as {
    transport: { ws: { _socket: { destroy(): void } } };
  };

  engine.transport.ws._socket.destroy();
}

const named = (seen: Seen, ...events: string[]) => seen.filter((e) => events.includes(e.event));

describe('resuming after a dropped connection', () => {
  let server: TestServer;
  let meetingId: string;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      env: { RESUME_GRACE_MS: String(GRACE_MS), QUALITY_INTERVAL_MS: '250' },
    });
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  const freshMeeting = async (hasWaitingRoom = false) => {
    meetingId = randomUUID();
    await server.db.query(
      `insert into meetings (id, patient_id, title, waiting_room)
       values ($1, 'patient-demo', 'Teammøte', $2)`,
      [meetingId, hasWaitingRoom],
    );
  };

  const connect = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    return socket;
  };

  /** A client that reconnects by itself, as a browser's does. */
  const connectResilient = async (personId: string) => {
    const socket: TestSocket = io(server.url, {
      auth: { token: server.tokenFor(personId) },
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 50,
      reconnectionDelayMax: 100,
      randomizationFactor: 0,
    });

    sockets.push(socket);
    await nextEvent(socket, 'connect');

    return socket;
  };

  const join = async (socket: TestSocket) => {
    const ack = await ask<EnterReply>(socket, 'meeting:enter', { meetingId });

    if (!ack.ok || ack.data.status !== 'joined') throw new Error('not joined');

    return ack.data as JoinReply;
  };

  const ok = async <T>(socket: TestSocket, event: string, payload: unknown): Promise<T> => {
    const ack = await ask<T>(socket, event, payload);

    if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);

    return ack.data;
  };

  /** Sends a microphone through a new send transport. */
  const sendMicrophone = async (socket: TestSocket, ssrc: number) => {
    const transport = await ok<TransportOptions>(socket, 'media:createTransport', {
      direction: 'send',
    });
    const { producerId } = await ok<{ producerId: string }>(socket, 'media:produce', {
      transportId: transport.id,
      kind: 'audio',
      rtpParameters: OPUS(ssrc),
      source: 'microphone',
    });

    return { transportId: transport.id, producerId };
  };

  /** Loses the connection as a network would, and waits until the server has noticed. */
  const dropNetwork = async (socket: TestSocket, peerId: string) => {
    cutNetwork(socket);
    await expect
      .poll(() => server.meetings.meeting(meetingId)?.peer(peerId)?.socket.connected)
      .toBe(false);
  };

  const attendance = (personId: string) =>
    server.db.query<{ peer_id: string; left_at: Date | null; leave_reason: string | null }>(
      `select peer_id, left_at, leave_reason from meeting_attendance
        where meeting_id = $1 and person_id = $2`,
      [meetingId, personId],
    );

  it('recovers a dropped connection through Socket.io: same peer, missed events once, no notice to others', async () => {
    await freshMeeting();

    const observer = await connect('person-kari');

    await join(observer);

    const per = await connectResilient('person-per');
    const self = (await join(per)).self;
    const { producerId } = await sendMicrophone(per, 1001);
    const seenByObserver = recorder(observer);

    // Socket.io recovers only from an event the client has received: a quality report does.
    await nextEvent(per, 'media:quality');

    const seenByPer = recorder(per);

    cutNetwork(per);
    await expect
      .poll(() => server.meetings.meeting(meetingId)?.peer(self.peerId)?.socket.connected)
      .toBe(false);

    // Happens while Per is away.
    const missed = await sendMicrophone(observer, 2002);

    await expect.poll(() => per.connected && (per as unknown as Socket).recovered).toBe(true);
    await expect.poll(() => named(seenByPer, 'producer:new')).toHaveLength(1);

    expect(named(seenByPer, 'producer:new')[0]!.payload).toMatchObject({
      producerId: missed.producerId,
    });
    expect(server.meetings.meeting(meetingId)?.peer(self.peerId)?.socket.connected).toBe(true);
    expect((await server.media.stats()).producers).toBe(2);
    expect(named(seenByObserver, 'peer:left', 'peer:joined', 'producer:closed')).toEqual([]);
    // The recovered connection works as before, and its media is still its own.
    expect(await ask(per, 'media:pauseProducer', { producerId })).toEqual({ ok: true, data: {} });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(named(seenByPer, 'producer:new')).toHaveLength(1);
  });

  it('starts a recovered connection afresh, outside the meeting, when it brings another person’s token', async () => {
    await freshMeeting();

    const observer = await connect('person-kari');

    await join(observer);

    const per = await connectResilient('person-per');
    const joined = await join(per);

    await nextEvent(per, 'media:quality');
    (per as unknown as Socket).auth = { token: server.tokenFor('person-ola') };
    cutNetwork(per);
    await expect.poll(() => per.connected && (per as unknown as Socket).recovered).toBe(true);

    const seenByIntruder = recorder(per);

    await sendMicrophone(observer, 8008);
    expect(await ask(per, 'media:createTransport', { direction: 'recv' })).toMatchObject({
      ok: false,
      error: { code: 'not_in_meeting' },
    });
    expect(
      await ask(per, 'meeting:resume', { meetingId, resumeKey: joined.resumeKey }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(named(seenByIntruder, 'producer:new')).toEqual([]);
  });

  it('takes the participant back on a new connection with its resume key, media and all', async () => {
    await freshMeeting();

    const observer = await connect('person-kari');
    const observerJoined = await join(observer);
    const per = await connect('person-per');
    const joined = await join(per);
    const mic = await sendMicrophone(per, 3003);
    const seenByObserver = recorder(observer);
    const theirs = await sendMicrophone(observer, 4004);
    const recv = await ok<TransportOptions>(per, 'media:createTransport', { direction: 'recv' });

    await ok(per, 'media:setRtpCapabilities', { rtpCapabilities: joined.routerRtpCapabilities });

    const consumer = await ok<{ consumerId: string }>(per, 'media:consume', {
      transportId: recv.id,
      producerId: theirs.producerId,
    });

    await dropNetwork(per, joined.self.peerId);

    const again = await connect('person-per');
    const reply = await ok<ResumeReply>(again, 'meeting:resume', {
      meetingId,
      resumeKey: joined.resumeKey,
    });

    expect(reply.self.peerId).toBe(joined.self.peerId);
    expect(reply.self.producers.map((p) => p.producerId)).toEqual([mic.producerId]);
    expect(reply.peers.map((p) => p.peerId)).toEqual([observerJoined.self.peerId]);
    expect(reply.media.transports.map((t) => [t.transportId, t.direction]).sort()).toEqual(
      [
        [mic.transportId, 'send'],
        [recv.id, 'recv'],
      ].sort(),
    );
    expect(reply.media.consumers).toEqual([
      {
        consumerId: consumer.consumerId,
        producerId: theirs.producerId,
        peerId: observerJoined.self.peerId,
        paused: true,
      },
    ]);
    expect(reply.resumeKey).not.toBe(joined.resumeKey);
    // The participant list the client gets is the server's.
    expect(
      server.meetings
        .meeting(meetingId)
        ?.peers()
        .map((p) => p.id)
        .sort(),
    ).toEqual([joined.self.peerId, ...reply.peers.map((p) => p.peerId)].sort());

    // No second microphone, and the media goes on through the new connection.
    expect(
      await ask(again, 'media:produce', {
        transportId: mic.transportId,
        kind: 'audio',
        rtpParameters: OPUS(5005),
        source: 'microphone',
      }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(await ask(again, 'media:restartIce', { transportId: recv.id })).toMatchObject({
      ok: true,
    });
    expect((await server.media.stats()).producers).toBe(2);
    expect(named(seenByObserver, 'peer:left', 'peer:joined', 'producer:closed')).toEqual([]);

    // The key was spent.
    const third = await connect('person-per');

    expect(
      await ask(third, 'meeting:resume', { meetingId, resumeKey: joined.resumeKey }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await attendance('person-per')).toEqual([
      { peer_id: joined.self.peerId, left_at: null, leave_reason: null },
    ]);
  });

  it('gives nothing to someone presenting another person’s key, or a key for another meeting', async () => {
    await freshMeeting();

    const per = await connect('person-per');
    const joined = await join(per);
    const ola = await connect('person-ola');

    expect(
      await ask(ola, 'meeting:resume', { meetingId, resumeKey: joined.resumeKey }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(
      await ask(ola, 'meeting:resume', { meetingId: 'demo', resumeKey: joined.resumeKey }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(
      await ask(ola, 'meeting:resume', { meetingId, resumeKey: 'x'.repeat(10) }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(server.meetings.meeting(meetingId)?.peer(joined.self.peerId)?.socket.connected).toBe(
      true,
    );
    expect(
      await server.db.query(
        `select outcome from audit_events
          where actor_id = 'person-ola' and meeting_id = $1 and action = 'meeting.join'`,
        [meetingId],
      ),
    ).toEqual([{ outcome: 'denied' }]);
  });

  it('lets a participant who is not back in time leave as usual, once', async () => {
    await freshMeeting();

    const observer = await connect('person-kari');

    await join(observer);

    const per = await connect('person-per');
    const joined = await join(per);
    const droppedAt = Date.now();
    const left = nextEvent<{ peerId: string }>(observer, 'peer:left', GRACE_MS + 3_000);

    await dropNetwork(per, joined.self.peerId);

    expect(await left).toEqual({ peerId: joined.self.peerId });
    expect(Date.now() - droppedAt).toBeGreaterThanOrEqual(GRACE_MS - 100);

    const late = await connect('person-per');

    expect(
      await ask(late, 'meeting:resume', { meetingId, resumeKey: joined.resumeKey }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await attendance('person-per')).toEqual([
      { peer_id: joined.self.peerId, left_at: expect.any(Date), leave_reason: 'disconnected' },
    ]);
  });

  it('removes a participant who leaves, or closes the connection, at once', async () => {
    await freshMeeting();

    const observer = await connect('person-kari');

    await join(observer);

    const per = await connect('person-per');
    const joined = await join(per);
    const left = nextEvent<{ peerId: string }>(observer, 'peer:left', 1_000);

    per.close();

    expect(await left).toEqual({ peerId: joined.self.peerId });
  });

  it('removes a participant whose tab closes at once, as the browser says it is going away', async () => {
    await freshMeeting();

    const observer = await connect('person-kari');

    await join(observer);

    const per = await connect('person-per');
    const joined = await join(per);
    const left = nextEvent<{ peerId: string }>(observer, 'peer:left', 1_000);
    const engine = (per as unknown as Socket).io.engine as unknown as {
      transport: { ws: { close(code: number): void } };
    };

    engine.transport.ws.close(1001);

    expect(await left).toEqual({ peerId: joined.self.peerId });
    expect(await attendance('person-per')).toEqual([
      { peer_id: joined.self.peerId, left_at: expect.any(Date), leave_reason: 'disconnected' },
    ]);
  });

  it('starts the media afresh for a reloaded page, telling the others once per producer', async () => {
    await freshMeeting();

    const observer = await connect('person-kari');

    await join(observer);

    const per = await connect('person-per');
    const joined = await join(per);
    const mic = await sendMicrophone(per, 6006);
    const seenByObserver = recorder(observer);

    await dropNetwork(per, joined.self.peerId);

    const reloaded = await connect('person-per');
    const reply = await ok<ResumeReply>(reloaded, 'meeting:resume', {
      meetingId,
      resumeKey: joined.resumeKey,
      keepMedia: false,
    });

    expect(reply.self).toMatchObject({ peerId: joined.self.peerId, producers: [] });
    expect(reply.media).toEqual({ transports: [], consumers: [] });
    await expect.poll(async () => (await server.media.stats()).producers).toBe(0);

    const again = await sendMicrophone(reloaded, 7007);

    await expect
      .poll(() => named(seenByObserver, 'producer:closed', 'producer:new'))
      .toHaveLength(2);
    expect(named(seenByObserver, 'producer:closed', 'producer:new', 'peer:left')).toEqual([
      {
        event: 'producer:closed',
        payload: { producerId: mic.producerId, peerId: joined.self.peerId },
      },
      { event: 'producer:new', payload: expect.objectContaining({ producerId: again.producerId }) },
    ]);
  });

  it('lets a client that enters again on a recovered connection come in as a new participant', async () => {
    await freshMeeting();

    const observer = await connect('person-kari');

    await join(observer);

    const per = await connectResilient('person-per');
    const first = await join(per);

    await nextEvent(per, 'media:quality');
    cutNetwork(per);
    await expect.poll(() => per.connected && (per as unknown as Socket).recovered).toBe(true);

    const left = nextEvent<{ peerId: string }>(observer, 'peer:left');
    const second = await join(per);

    expect(await left).toEqual({ peerId: first.self.peerId });
    expect(second.self.peerId).not.toBe(first.self.peerId);
    expect(server.meetings.meeting(meetingId)?.size).toBe(2);
  });

  describe('through the waiting room', () => {
    it('keeps a waiting patient’s place while their connection is away', async () => {
      await freshMeeting(true);

      const coordinator = await connect('person-kari');

      await join(coordinator);

      const seenByTeam = recorder(coordinator);
      const patient = await connect('person-astrid');
      const waiting = await ok<LobbyStatus>(patient, 'meeting:enter', { meetingId });

      cutNetwork(patient);
      await new Promise((resolve) => setTimeout(resolve, 300));

      // Nobody told the team the patient left; on a new connection the patient waits on.
      const back = await connect('person-astrid');
      const again = await ok<LobbyStatus & { status: string }>(back, 'meeting:enter', {
        meetingId,
      });

      expect(again).toMatchObject({ status: 'waiting', waitingSince: waiting.waitingSince });
      expect(
        named(seenByTeam, 'lobby:changed').map(
          (e) => (e.payload as { waiting: unknown[] }).waiting.length,
        ),
      ).not.toContain(0);

      const admitted = nextEvent<JoinReply>(back, 'lobby:admitted');

      await ok(coordinator, 'lobby:admit', { peerId: again.peerId });

      const reply = await admitted;

      // Let in, the patient can come back after a drop as the same participant.
      await dropNetwork(back, reply.self.peerId);

      const resumed = await connect('person-astrid');

      expect(
        await ok<ResumeReply>(resumed, 'meeting:resume', {
          meetingId,
          resumeKey: reply.resumeKey,
        }),
      ).toMatchObject({ self: { peerId: reply.self.peerId, role: 'patient' } });
      expect(await attendance('person-astrid')).toEqual([
        { peer_id: reply.self.peerId, left_at: null, leave_reason: null },
      ]);
    });
  });
});
