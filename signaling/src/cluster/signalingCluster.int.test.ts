import { randomUUID } from 'node:crypto';

import type { StandaloneMediaNode } from '@teamrom/sfu-server';
import type { TestRedis } from '@teamrom/sfu-server/testing/redis';
import pg from 'pg';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { TokenService } from '../auth/tokens.ts';
import type {
  ConsumerOptions,
  JoinReply,
  ProducerInfo,
  ResumeReply,
  Roster,
  TransportOptions,
} from '../protocol/index.ts';
import type { TestSocket } from '../testing/harness.ts';
import { ask, nextEvent } from '../testing/harness.ts';
import type { ClusterFixture } from '../testing/clusterFixture.ts';
import { startClusterFixture } from '../testing/clusterFixture.ts';
import type { TestPostgres } from '../testing/postgres.ts';
import type { SignalingNodeProcess, TestLoadBalancer } from '../testing/signalingNode.ts';
import { startLoadBalancer } from '../testing/signalingNode.ts';

/**
 * Two signalling nodes (processes of their own, so that one can be killed) and two media nodes on
 * one Redis and one PostgreSQL, behind a TCP load balancer, serving one meeting together.
 */

const GRACE_MS = 3_000;
const OPUS = (ssrc: number) => ({
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc }],
  rtcp: { cname: 'cluster-test' },
});

let cluster: ClusterFixture;
let redis: TestRedis;
let postgres: TestPostgres;
let tokens: TokenService;
let mediaNodes: StandaloneMediaNode[];
const sockets: TestSocket[] = [];

beforeAll(async () => {
  cluster = await startClusterFixture([
    { nodeId: 'media-0', rtcMinPort: 43100 },
    { nodeId: 'media-1', rtcMinPort: 43200 },
  ]);
  ({ redis, postgres, tokens, mediaNodes } = cluster);
});

afterEach(() => {
  for (const socket of sockets.splice(0)) socket.close();
});

afterAll(async () => {
  await cluster?.stop();
});

function signalingNode(nodeId: string): Promise<SignalingNodeProcess> {
  return cluster.startSignalingNode(nodeId, {
    RESUME_GRACE_MS: String(GRACE_MS),
    WAITING_ROOM: 'off',
  });
}

async function freshMeeting(): Promise<string> {
  const meetingId = randomUUID();
  const client = new pg.Client({ connectionString: postgres.url });

  await client.connect();
  try {
    await client.query(
      `insert into meetings (id, patient_id, title, waiting_room)
       values ($1, 'patient-demo', 'Teammøte', false)`,
      [meetingId],
    );
  } finally {
    await client.end();
  }

  return meetingId;
}

function tokenFor(personId: string): string {
  return tokens.sign({ sub: personId, role: 'nurse' }, 600);
}

/** A client that reconnects by itself, as a browser's does. */
async function connect(url: string, personId: string, reconnects = false): Promise<TestSocket> {
  const socket: TestSocket = io(url, {
    auth: { token: tokenFor(personId) },
    transports: ['websocket'],
    forceNew: true,
    reconnection: reconnects,
    reconnectionDelay: 50,
    reconnectionDelayMax: 200,
    randomizationFactor: 0,
  });

  sockets.push(socket);
  await nextEvent(socket, 'connect', 5_000);

  return socket;
}

async function ok<T>(socket: TestSocket, event: string, payload: unknown): Promise<T> {
  const ack = await ask<T>(socket, event, payload);

  if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);

  return ack.data;
}

const join = (socket: TestSocket, meetingId: string) =>
  ok<JoinReply>(socket, 'meeting:join', { meetingId });

async function sendMicrophone(socket: TestSocket, ssrc: number): Promise<string> {
  const transport = await ok<TransportOptions>(socket, 'media:createTransport', {
    direction: 'send',
  });
  const { producerId } = await ok<{ producerId: string }>(socket, 'media:produce', {
    transportId: transport.id,
    kind: 'audio',
    rtpParameters: OPUS(ssrc),
    source: 'microphone',
  });

  return producerId;
}

async function consume(socket: TestSocket, reply: JoinReply, producerId: string) {
  await ok(socket, 'media:setRtpCapabilities', { rtpCapabilities: reply.routerRtpCapabilities });

  const transport = await ok<TransportOptions>(socket, 'media:createTransport', {
    direction: 'recv',
  });

  return ok<ConsumerOptions & { peerId: string }>(socket, 'media:consume', {
    transportId: transport.id,
    producerId,
  });
}

/** Everything a socket is told from now on. */
function recorder(socket: TestSocket): { event: string; payload: unknown }[] {
  const seen: { event: string; payload: unknown }[] = [];

  (socket as unknown as Socket).onAny((event: string, payload: unknown) => {
    if (event !== 'media:quality') seen.push({ event, payload });
  });

  return seen;
}

async function readyz(node: SignalingNodeProcess): Promise<{ code: number; body: unknown }> {
  const response = await fetch(`${node.url}/readyz`);

  return { code: response.status, body: await response.json() };
}

describe('signalling nodes sharing meetings over Redis', () => {
  let nodeA: SignalingNodeProcess;
  let nodeB: SignalingNodeProcess;
  let balancer: TestLoadBalancer;

  beforeAll(async () => {
    nodeA = await signalingNode('signal-a');
    nodeB = await signalingNode('signal-b');
    balancer = await startLoadBalancer([nodeA.port, nodeB.port]);
  }, 90_000);

  afterAll(async () => {
    await balancer?.close();
  });

  it('shows participants on different nodes to each other, with their media', async () => {
    const meetingId = await freshMeeting();
    const onA = await connect(nodeA.url, 'person-kari');
    const onB = await connect(nodeB.url, 'person-ola');
    const replyA = await join(onA, meetingId);
    const joinedSeenOnA = nextEvent<{ peerId: string }>(onA, 'peer:joined');
    const replyB = await join(onB, meetingId);

    // B's join reply lists A's participant; A hears of B's through the shared rooms.
    expect(replyB.peers.map((p) => p.peerId)).toEqual([replyA.self.peerId]);
    expect((await joinedSeenOnA).peerId).toBe(replyB.self.peerId);

    const announcedOnB = nextEvent<{ producerId: string; peerId: string }>(onB, 'producer:new');
    const producerId = await sendMicrophone(onA, 1111);

    expect(await announcedOnB).toMatchObject({ producerId, peerId: replyA.self.peerId });

    const consumed = await consume(onB, replyB, producerId);

    expect(consumed).toMatchObject({ producerId, kind: 'audio', peerId: replyA.self.peerId });

    const roster = await ok<Roster>(onA, 'meeting:roster', {});

    expect(roster.participants.map((p) => p.peerId)).toEqual([
      replyA.self.peerId,
      replyB.self.peerId,
    ]);

    // A third person joining on A later sees B's producer in the join reply.
    const pausedOnA = nextEvent<{ producerId: string }>(onA, 'producer:paused');
    const bProducer = await sendMicrophone(onB, 2222);

    await ok(onB, 'media:pauseProducer', { producerId: bProducer });
    expect((await pausedOnA).producerId).toBe(bProducer);

    const third = await connect(nodeA.url, 'person-ingrid');
    const replyThird = await join(third, meetingId);
    const bSeenByThird = replyThird.peers.find((p) => p.peerId === replyB.self.peerId);

    expect(bSeenByThird?.producers).toEqual([
      expect.objectContaining({ producerId: bProducer, paused: true, source: 'microphone' }),
    ]);

    // Leaving on B is seen on A.
    const leftOnA = nextEvent<{ peerId: string }>(onA, 'peer:left');

    await ok(onB, 'meeting:leave', {});
    expect((await leftOnA).peerId).toBe(replyB.self.peerId);
  });

  it('replaces a person who joins again on the other node', async () => {
    const meetingId = await freshMeeting();
    const watcher = await connect(nodeA.url, 'person-kari');

    await join(watcher, meetingId);

    const first = await connect(nodeA.url, 'person-ola');
    const firstReply = await join(first, meetingId);
    const ended = nextEvent<{ reason: string }>(first, 'meeting:ended');
    const left = nextEvent<{ peerId: string }>(watcher, 'peer:left');
    const second = await connect(nodeB.url, 'person-ola');
    const secondReply = await join(second, meetingId);

    expect((await ended).reason).toBe('replaced');
    expect((await left).peerId).toBe(firstReply.self.peerId);
    expect(secondReply.peers.map((p) => p.personId)).toEqual(['person-kari']);
  });

  it('recovers a dropped connection on the other node as the same participant', async () => {
    const meetingId = await freshMeeting();
    const other = await connect(nodeB.url, 'person-kari');

    await join(other, meetingId);
    balancer.route([nodeA.port]);

    const moving = await connect(balancer.url, 'person-ola', true);
    const reply = await join(moving, meetingId);
    const seenByOther = recorder(other);
    // A broadcast received gives the client an offset to recover from.
    const first = nextEvent(moving, 'producer:new');

    const producerId = await sendMicrophone(other, 3333);

    await first;

    // The network drops; the balancer now sends the client to B.
    balancer.route([nodeB.port]);

    const reconnected = nextEvent(moving, 'connect', 10_000);
    const engine = (moving as unknown as Socket).io.engine as unknown as {
      transport: { ws: { _socket: { destroy(): void } } };
    };

    engine.transport.ws._socket.destroy();
    await reconnected;
    expect((moving as unknown as Socket).recovered).toBe(true);

    // It carries on as the same participant: an event from the other node reaches it.
    const paused = nextEvent<{ producerId: string }>(moving, 'producer:paused');

    await ok(other, 'media:pauseProducer', { producerId });
    expect((await paused).producerId).toBe(producerId);

    const roster = await ok<Roster>(moving, 'meeting:roster', {});

    expect(roster.participants.map((p) => p.peerId)).toContain(reply.self.peerId);
    expect(roster.participants).toHaveLength(2);
    expect(seenByOther.filter((e) => e.event === 'peer:left')).toEqual([]);
    balancer.route([nodeA.port, nodeB.port]);
  });

  it('hands its participants over when a node stops on purpose, and ends no connection of another node', async () => {
    const nodeC = await signalingNode('signal-c');
    const meetingId = await freshMeeting();
    const watcher = await connect(nodeB.url, 'person-kari');
    const watcherReply = await join(watcher, meetingId);

    balancer.route([nodeC.port]);

    const mover = await connect(balancer.url, 'person-ola', true);
    const moverReply = await join(mover, meetingId);
    const producerId = await sendMicrophone(mover, 6666);
    const seen = recorder(watcher);
    // As the web client does: a recovered connection carries on, another one resumes by key.
    const back = new Promise<string>((resolve, reject) => {
      mover.once('connect', () => {
        if ((mover as unknown as Socket).recovered) {
          resolve('recovered');

          return;
        }
        ask<ResumeReply>(mover, 'meeting:resume', {
          meetingId,
          resumeKey: moverReply.resumeKey,
          keepMedia: true,
        }).then(
          (ack) => (ack.ok ? resolve('resumed') : reject(new Error(ack.error.message))),
          reject,
        );
      });
    });

    balancer.route([nodeB.port]);

    const stoppedAt = Date.now();

    await nodeC.stop();
    console.log(
      `after a graceful stop the client came back (${await back}) in ${Date.now() - stoppedAt} ms`,
    );

    const roster = await ok<Roster>(mover, 'meeting:roster', {});

    expect(roster.participants.map((p) => p.peerId)).toContain(moverReply.self.peerId);
    expect(roster.participants).toHaveLength(2);
    // Its media stayed on the media node: the watcher consumes it as before.
    expect((await consume(watcher, watcherReply, producerId)).peerId).toBe(moverReply.self.peerId);
    expect(watcher.connected).toBe(true);
    expect(seen.filter((e) => e.event === 'peer:left')).toEqual([]);
    balancer.route([nodeA.port, nodeB.port]);
  });

  it('moves a meeting whose media node stops, each node resetting its own clients once', async () => {
    const meetingId = await freshMeeting();
    const onA = await connect(nodeA.url, 'person-kari');
    const onB = await connect(nodeB.url, 'person-ola');

    await join(onA, meetingId);
    await join(onB, meetingId);
    await sendMicrophone(onA, 7777);

    const rooms = await Promise.all(mediaNodes.map(async (n) => (await n.media.stats()).rooms));
    const host = mediaNodes[rooms.findIndex((count) => count > 0)];

    if (!host) throw new Error('the meeting is on no media node');

    const seenOnA = recorder(onA);
    const seenOnB = recorder(onB);
    const resets = (seen: { event: string }[]) => seen.filter((e) => e.event === 'media:reset');
    const stoppedAt = Date.now();

    await host.stop();
    mediaNodes.splice(mediaNodes.indexOf(host), 1);
    await expect
      .poll(() => resets(seenOnA).length + resets(seenOnB).length, { timeout: 5_000, interval: 50 })
      .toBe(2);
    console.log(
      `both nodes' clients were told to reset their media ${Date.now() - stoppedAt} ms after the media node stopped`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(resets(seenOnA)).toHaveLength(1);
    expect(resets(seenOnB)).toHaveLength(1);

    // The producer that went with the stopped node is offered to nobody after the reset.
    expect(await ok<{ producers: ProducerInfo[] }>(onB, 'media:producers', {})).toEqual({
      producers: [],
    });

    // Media is set up again on the live node, and announced across signalling nodes.
    const announced = nextEvent<{ producerId: string }>(onA, 'producer:new');
    const producerId = await sendMicrophone(onB, 8888);

    expect((await announced).producerId).toBe(producerId);
    // A client that reset after the announcement learns of it still: from the shared roster.
    expect(await ok<{ producers: ProducerInfo[] }>(onA, 'media:producers', {})).toEqual({
      producers: [expect.objectContaining({ producerId, kind: 'audio', source: 'microphone' })],
    });

    // A media node again for the tests that follow.
    await cluster.startMediaNode('media-2', 43300);
  });

  it('keeps every acknowledged care-plan edit when both nodes write at once', async () => {
    const meetingId = await freshMeeting();
    const onA = await connect(nodeA.url, 'person-ingrid');
    const onB = await connect(nodeB.url, 'person-per');

    await Promise.all([join(onA, meetingId), join(onB, meetingId)]);

    const { version: before } = (
      await ok<{ plan: { version: number } }>(onA, 'careplan:open', { planId: 'plan-demo' })
    ).plan;
    const edit = (socket: TestSocket, n: number) =>
      ask<{ version: number }>(socket, 'careplan:apply', {
        planId: 'plan-demo',
        baseVersion: before,
        idempotencyKey: randomUUID(),
        operation: { type: 'note.add', noteId: randomUUID(), kind: 'note', text: `Notat ${n}` },
      });
    const acks = await Promise.all(
      Array.from({ length: 24 }, (_, n) => edit(n % 2 === 0 ? onA : onB, n)),
    );
    const applied = acks.flatMap((a) => (a.ok ? [a.data.version] : []));

    expect(applied).toHaveLength(24);
    // Each acknowledged edit got a version of its own, and the history holds every one.
    expect(new Set(applied).size).toBe(24);

    const history = await ok<{ version: number }[]>(onB, 'careplan:history', {
      planId: 'plan-demo',
    });

    const byVersion = (a: number, b: number) => a - b;

    expect(
      history
        .filter((h) => h.version > before)
        .map((h) => h.version)
        .sort(byVersion),
    ).toEqual([...applied].sort(byVersion));
  });

  it('says degraded while Redis is away and carries cross-node events again after it restarts', async () => {
    const meetingId = await freshMeeting();
    const onA = await connect(nodeA.url, 'person-ola');
    const onB = await connect(nodeB.url, 'person-kari');

    await join(onA, meetingId);

    const replyB = await join(onB, meetingId);

    expect(await readyz(nodeA)).toMatchObject({ code: 200, body: { status: 'ready' } });
    await redis.kill();
    await expect
      .poll(async () => (await readyz(nodeA)).body, { timeout: 5_000, interval: 100 })
      .toMatchObject({ status: 'degraded', checks: { redis: 'unreachable', database: 'ok' } });
    expect((await readyz(nodeB)).code).toBe(200);

    await redis.restart();

    const restartedAt = Date.now();
    // The coordinator on B confirms the introductions again and again until A hears of it.
    const heard = nextEvent(onA, 'meeting:introductions', 10_000);
    let isHeard = false;

    void heard.then(() => (isHeard = true)).catch(() => {});
    while (!isHeard && Date.now() - restartedAt < 10_000) {
      await ask(onB, 'meeting:confirmIntroductions', {}).catch(() => {});
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await heard;

    const crossNodeAfterMs = Date.now() - restartedAt;

    console.log(`cross-node events flowed again ${crossNodeAfterMs} ms after Redis restarted`);
    expect(crossNodeAfterMs).toBeLessThan(10_000);
    await expect
      .poll(async () => (await readyz(nodeA)).body, { timeout: 5_000, interval: 100 })
      .toMatchObject({ status: 'ready' });

    // Redis came back empty: the nodes wrote their participants again, so a newcomer sees B's.
    // Joining waits for the media nodes to register again (their heartbeat), on either node.
    const joinWithin10s = async (socket: TestSocket, meeting: string): Promise<JoinReply> => {
      for (;;) {
        const ack = await ask<JoinReply>(socket, 'meeting:join', { meetingId: meeting });

        if (ack.ok) return ack.data;
        if (Date.now() - restartedAt > 10_000) {
          throw new Error(`no join within 10 s of Redis restarting: ${ack.error.message}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const replyNew = await joinWithin10s(await connect(nodeA.url, 'person-per'), meetingId);
    const otherMeeting = await freshMeeting();

    await joinWithin10s(await connect(nodeB.url, 'person-liv'), otherMeeting);
    console.log(
      `joins worked again on both nodes ${Date.now() - restartedAt} ms after Redis restarted`,
    );

    expect(replyNew.peers.map((p) => p.peerId)).toContain(replyB.self.peerId);
  });

  it('takes the participants of a killed node over on the other, and removes those not back', async () => {
    const meetingId = await freshMeeting();
    const stays = await connect(nodeB.url, 'person-kari');
    const stayReply = await join(stays, meetingId);

    balancer.route([nodeA.port]);

    const mover = await connect(balancer.url, 'person-ola', true);
    const moverReply = await join(mover, meetingId);
    const producerId = await sendMicrophone(mover, 5555);
    const ghost = await connect(nodeA.url, 'person-ingrid');
    const ghostReply = await join(ghost, meetingId);
    const seen = recorder(stays);
    // As the web client does on a connection that was not recovered: resume with the key.
    const resumed = new Promise<ResumeReply>((resolve, reject) => {
      mover.once('connect', () => {
        ask<ResumeReply>(mover, 'meeting:resume', {
          meetingId,
          resumeKey: moverReply.resumeKey,
          keepMedia: true,
        }).then(
          (ack) => (ack.ok ? resolve(ack.data) : reject(new Error(ack.error.message))),
          reject,
        );
      });
    });

    balancer.route([nodeB.port]);

    const killedAt = Date.now();

    await nodeA.kill();

    const reply = await resumed;
    const backAfterMs = Date.now() - killedAt;

    console.log(`a client of the killed node was back in the meeting after ${backAfterMs} ms`);
    expect(backAfterMs).toBeLessThan(5_000);
    expect(reply.self.peerId).toBe(moverReply.self.peerId);
    expect(reply.self.producers.map((p) => p.producerId)).toEqual([producerId]);

    // Its media is where it was: the participant on B consumes it as before.
    const consumed = await consume(stays, stayReply, producerId);

    expect(consumed.peerId).toBe(moverReply.self.peerId);

    // The one whose client did not come back leaves after the grace period, once.
    await expect
      .poll(() => seen.filter((e) => e.event === 'peer:left').map((e) => e.payload), {
        timeout: GRACE_MS + 8_000,
        interval: 100,
      })
      .toEqual([{ peerId: ghostReply.self.peerId }]);
    console.log(`the participant not back was removed ${Date.now() - killedAt} ms after the kill`);

    const roster = await ok<Roster>(stays, 'meeting:roster', {});

    expect(roster.participants.map((p) => p.peerId).sort()).toEqual(
      [stayReply.self.peerId, moverReply.self.peerId].sort(),
    );
  });
});
