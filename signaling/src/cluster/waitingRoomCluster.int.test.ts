import { randomUUID } from 'node:crypto';

import type { TestRedis } from '@teamrom/sfu-server/testing/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { TokenService } from '../auth/tokens.ts';
import type {
  EnterReply,
  JoinReply,
  LobbyStatus,
  Roster,
  WaitingPerson,
} from '../protocol/index.ts';
import type { TestSocket } from '../testing/harness.ts';
import { ask, nextEvent } from '../testing/harness.ts';
import type { ClusterFixture } from '../testing/clusterFixture.ts';
import { startClusterFixture } from '../testing/clusterFixture.ts';
import type { TestPostgres } from '../testing/postgres.ts';
import type { SignalingNodeProcess } from '../testing/signalingNode.ts';

/**
 * The waiting room of a meeting served by two signalling nodes (processes of their own, so that one
 * can be killed) on one Redis and one PostgreSQL: the patient waits on one node, the team member
 * who lets them in is on the other.
 */

type Entered<S extends EnterReply['status']> = Extract<EnterReply, { status: S }>;

let cluster: ClusterFixture;
let redis: TestRedis;
let postgres: TestPostgres;
let prefix: string;
let tokens: TokenService;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  cluster = await startClusterFixture([{ nodeId: 'media-lobby', rtcMinPort: 43300 }]);
  ({ redis, postgres, prefix, tokens } = cluster);
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

afterAll(async () => {
  await cluster?.stop();
});

function signalingNode(nodeId: string): Promise<SignalingNodeProcess> {
  return cluster.startSignalingNode(nodeId, { RESUME_GRACE_MS: '3000', WAITING_ROOM: 'on' });
}

async function query<T extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<T[]> {
  const client = new pg.Client({ connectionString: postgres.url });

  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

async function freshMeeting(): Promise<string> {
  const meetingId = randomUUID();

  await query(
    `insert into meetings (id, patient_id, title, waiting_room)
     values ($1, 'patient-demo', 'Teammøte', true)`,
    [meetingId],
  );

  return meetingId;
}

async function connect(url: string, personId: string): Promise<TestSocket> {
  const role = personId === 'person-astrid' ? 'patient' : 'nurse';
  const socket: TestSocket = io(url, {
    auth: { token: tokens.sign({ sub: personId, role }, 600) },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
  });

  sockets.push(socket);
  await nextEvent(socket, 'connect', 5_000);

  return socket;
}

async function enter<S extends EnterReply['status']>(
  url: string,
  personId: string,
  meetingId: string,
  expected: S,
): Promise<{ socket: TestSocket; reply: Entered<S> }> {
  const socket = await connect(url, personId);
  const ack = await ask<EnterReply>(socket, 'meeting:enter', { meetingId });

  if (!ack.ok) throw new Error(`entering failed: ${ack.error.code} ${ack.error.message}`);
  expect(ack.data.status).toBe(expected);

  return { socket, reply: ack.data as Entered<S> };
}

/** The waiting lists a socket is told from now on, last one last. */
function waitingLists(socket: TestSocket): string[][] {
  const lists: string[][] = [];

  (socket as unknown as Socket).on(
    'lobby:changed',
    (event: { waiting: WaitingPerson[] }) => void lists.push(event.waiting.map((w) => w.peerId)),
  );

  return lists;
}

const lastOf = (lists: string[][]) => lists.at(-1);

describe('the waiting room of a meeting on two signalling nodes', () => {
  let nodeA: SignalingNodeProcess;
  let nodeB: SignalingNodeProcess;

  beforeAll(async () => {
    nodeA = await signalingNode('signal-a');
    nodeB = await signalingNode('signal-b');
  }, 90_000);

  it('shows a patient waiting on one node to a team member on the other, who lets them in once', async () => {
    const meetingId = await freshMeeting();
    // The patient waits before any team member is there.
    const patient = await enter(nodeB.url, 'person-astrid', meetingId, 'waiting');

    expect(patient.reply).toMatchObject({ meetingId, isTeamPresent: false, language: 'nb' });

    const teamArrives = nextEvent<LobbyStatus>(patient.socket, 'lobby:waiting', 5_000);
    const hostSocket = await connect(nodeA.url, 'person-kari');
    const lists = waitingLists(hostSocket);
    const hostAck = await ask<EnterReply>(hostSocket, 'meeting:enter', { meetingId });

    expect(hostAck.ok && hostAck.data.status).toBe('joined');
    // The list the host gets on coming in holds the patient waiting on the other node.
    await expect.poll(() => lastOf(lists), { timeout: 5_000 }).toEqual([patient.reply.peerId]);
    expect((await teamArrives).isTeamPresent).toBe(true);

    // A second team member, on the patient's node, sees the same list.
    const second = await connect(nodeB.url, 'person-ola');
    const secondLists = waitingLists(second);

    await ok(second, 'meeting:enter', { meetingId });
    await expect
      .poll(() => lastOf(secondLists), { timeout: 5_000 })
      .toEqual([patient.reply.peerId]);

    const admitted = nextEvent<JoinReply>(patient.socket, 'lobby:admitted', 5_000);
    const joinedSeenByHost = nextEvent<{ peerId: string }>(hostSocket, 'peer:joined', 5_000);
    const startedAt = Date.now();

    expect(await ask(hostSocket, 'lobby:admit', { peerId: patient.reply.peerId })).toEqual({
      ok: true,
      data: {},
    });
    console.log(`a patient on the other node was let in after ${Date.now() - startedAt} ms`);

    const reply = await admitted;

    expect(reply.self).toMatchObject({ peerId: patient.reply.peerId, personId: 'person-astrid' });
    expect((await joinedSeenByHost).peerId).toBe(patient.reply.peerId);
    await expect.poll(() => lastOf(lists), { timeout: 5_000 }).toEqual([]);
    await expect.poll(() => lastOf(secondLists), { timeout: 5_000 }).toEqual([]);

    // Let in once: a second admit, from either node, finds nobody waiting.
    for (const member of [hostSocket, second]) {
      const again = await ask(member, 'lobby:admit', { peerId: patient.reply.peerId });

      expect(again).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }

    // The same roster on both nodes.
    const onA = await ok<Roster>(hostSocket, 'meeting:roster', {});
    const onB = await ok<Roster>(patient.socket, 'meeting:roster', {});
    const ids = (roster: Roster) => roster.participants.map((p) => p.peerId).sort();

    expect(ids(onA)).toHaveLength(3);
    expect(ids(onA)).toContain(patient.reply.peerId);
    expect(ids(onB)).toEqual(ids(onA));

    const audited = await query<{ action: string; actor_id: string }>(
      `select action, actor_id from audit_events where meeting_id = $1 and action = 'meeting.admit'`,
      [meetingId],
    );

    expect(audited).toEqual([{ action: 'meeting.admit', actor_id: 'person-kari' }]);
  });

  it('sends a patient on the other node back, and refuses to let in one who has just left', async () => {
    const meetingId = await freshMeeting();
    const host = await enter(nodeA.url, 'person-kari', meetingId, 'joined');
    const lists = waitingLists(host.socket);
    const patient = await enter(nodeB.url, 'person-astrid', meetingId, 'waiting');

    await expect.poll(() => lastOf(lists), { timeout: 5_000 }).toEqual([patient.reply.peerId]);

    const admitted = nextEvent<JoinReply>(patient.socket, 'lobby:admitted', 5_000);

    await ok(host.socket, 'lobby:admit', { peerId: patient.reply.peerId });
    await admitted;

    // Sent back from node A: the patient leaves the meeting on B and waits again there.
    const returned = nextEvent<LobbyStatus>(patient.socket, 'lobby:returned', 5_000);
    const leftSeenByHost = nextEvent<{ peerId: string }>(host.socket, 'peer:left', 5_000);

    expect(await ask(host.socket, 'lobby:return', { peerId: patient.reply.peerId })).toEqual({
      ok: true,
      data: {},
    });
    expect(await returned).toMatchObject({ meetingId, peerId: patient.reply.peerId });
    expect((await leftSeenByHost).peerId).toBe(patient.reply.peerId);
    await expect.poll(() => lastOf(lists), { timeout: 5_000 }).toEqual([patient.reply.peerId]);
    expect(await ask(patient.socket, 'meeting:roster', {})).toMatchObject({
      ok: false,
      error: { code: 'not_in_meeting' },
    });

    // The patient closes the tab, and the host lets them in at the same moment: a clear refusal.
    patient.socket.close();

    const late = await ask(host.socket, 'lobby:admit', { peerId: patient.reply.peerId });

    expect(late.ok).toBe(false);
    expect(late.ok ? null : late.error.code).toMatch(/^(not_found|not_in_meeting)$/);
    await expect.poll(() => lastOf(lists), { timeout: 5_000 }).toEqual([]);

    const roster = await ok<Roster>(host.socket, 'meeting:roster', {});

    expect(roster.participants.map((p) => p.peerId)).toEqual([host.reply.self.peerId]);
    expect((await fetch(`${nodeB.url}/readyz`)).status).toBe(200);

    const audited = await query<{ action: string }>(
      `select action from audit_events
        where meeting_id = $1 and action in ('meeting.admit', 'meeting.return') order by id`,
      [meetingId],
    );

    expect(audited.map((a) => a.action)).toEqual(['meeting.admit', 'meeting.return']);
  });

  it('lets a person let in on one node straight back in through the other, until the meeting empties', async () => {
    const meetingId = await freshMeeting();
    const host = await enter(nodeA.url, 'person-kari', meetingId, 'joined');
    const patient = await enter(nodeA.url, 'person-astrid', meetingId, 'waiting');
    const admitted = nextEvent<JoinReply>(patient.socket, 'lobby:admitted', 5_000);

    await ok(host.socket, 'lobby:admit', { peerId: patient.reply.peerId });
    await admitted;

    // The patient's connection drops, and the new one lands on the other node: no waiting.
    patient.socket.close();

    const back = await enter(nodeB.url, 'person-astrid', meetingId, 'joined');

    await expect
      .poll(async () => (await ok<Roster>(host.socket, 'meeting:roster', {})).participants.length, {
        timeout: 5_000,
      })
      .toBe(2);

    // Everyone leaves; the next time, the patient waits again, on either node.
    await ok(back.socket, 'meeting:leave', {});
    await ok(host.socket, 'meeting:leave', {});
    await enter(nodeB.url, 'person-astrid', meetingId, 'waiting');
    await enter(nodeA.url, 'person-astrid', meetingId, 'waiting');
  });

  it('writes the people waiting again after Redis restarts empty', async () => {
    const meetingId = await freshMeeting();
    const host = await enter(nodeA.url, 'person-kari', meetingId, 'joined');
    const lists = waitingLists(host.socket);
    const patient = await enter(nodeB.url, 'person-astrid', meetingId, 'waiting');

    await expect.poll(() => lastOf(lists), { timeout: 5_000 }).toEqual([patient.reply.peerId]);
    await redis.kill();
    await redis.restart();

    const restartedAt = Date.now();
    // A team member coming in on node A after the restart is told of the patient waiting on B.
    const newcomer = await connect(nodeA.url, 'person-ola');
    const newcomerLists = waitingLists(newcomer);

    for (;;) {
      const ack = await ask<EnterReply>(newcomer, 'meeting:enter', { meetingId });

      if (ack.ok) break;
      if (Date.now() - restartedAt > 10_000) throw new Error(`no entry: ${ack.error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await expect
      .poll(() => lastOf(newcomerLists), { timeout: 5_000 })
      .toEqual([patient.reply.peerId]);
    console.log(
      `the waiting list was whole again ${Date.now() - restartedAt} ms after Redis restarted`,
    );

    const admitted = nextEvent<JoinReply>(patient.socket, 'lobby:admitted', 5_000);

    await ok(newcomer, 'lobby:admit', { peerId: patient.reply.peerId });
    expect((await admitted).self.peerId).toBe(patient.reply.peerId);

    // Redis restarts empty again: node B, which let the patient in, shares that again, so the
    // patient's next connection, through node A, does not wait.
    await redis.kill();
    await redis.restart();

    const direct = new Redis(redis.url);

    try {
      await expect
        .poll(() => direct.sismember(`${prefix}signal:letin:${meetingId}`, 'person-astrid'), {
          timeout: 10_000,
        })
        .toBe(1);
    } finally {
      direct.disconnect();
    }
    patient.socket.close();
    await enter(nodeA.url, 'person-astrid', meetingId, 'joined');
  });

  it('takes the people waiting on a killed node off the list; coming in again, they wait again', async () => {
    const meetingId = await freshMeeting();
    const host = await enter(nodeA.url, 'person-kari', meetingId, 'joined');
    const lists = waitingLists(host.socket);
    const patient = await enter(nodeB.url, 'person-astrid', meetingId, 'waiting');

    await expect.poll(() => lastOf(lists), { timeout: 5_000 }).toEqual([patient.reply.peerId]);

    const killedAt = Date.now();

    await nodeB.kill();
    await expect.poll(() => lastOf(lists), { timeout: 10_000, interval: 100 }).toEqual([]);
    console.log(
      `a person waiting on the killed node left the list ${Date.now() - killedAt} ms after`,
    );

    // The patient's browser comes in again, on the node still up: they wait again.
    const again = await enter(nodeA.url, 'person-astrid', meetingId, 'waiting');

    await expect.poll(() => lastOf(lists), { timeout: 5_000 }).toEqual([again.reply.peerId]);
  });
});

async function ok<T>(socket: TestSocket, event: string, payload: unknown): Promise<T> {
  const ack = await ask<T>(socket, event, payload);

  if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);

  return ack.data;
}
