import { once } from 'node:events';
import net from 'node:net';

import { Redis } from 'ioredis';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { MediaError } from '../errors.ts';
import type { MediaErrorCode } from '../errors.ts';
import type { MediaNodeEvents, PeerRef } from '../MediaNode.ts';
import { opusParameters, RtpSink, RtpSource, vp8Parameters } from '../testing/rtpSource.ts';
import type { TestRedis } from '../testing/redis.ts';
import { startRedis } from '../testing/redis.ts';
import { ClusterKeys } from './keys.ts';
import { RemoteMediaNode } from './RemoteMediaNode.ts';
import { StandaloneMediaNode } from './StandaloneMediaNode.ts';

/*
 * RemoteMediaNode against a real media node (a mediasoup worker served over a real Redis): every
 * method of the interface, its events and its errors cross the wire as in-process.
 */

const silent = pino({ level: 'silent' });
const ROOM = 'room-remote';
const ALICE: PeerRef = { roomId: ROOM, peerId: 'alice' };
const BOB: PeerRef = { roomId: ROOM, peerId: 'bob' };
const EVENT_TIMEOUT_MS = 5_000;
const CALL_TIMEOUT_MS = 1_000;

let redis: TestRedis;
let prefix: string;
let server: StandaloneMediaNode;
let remote: RemoteMediaNode;
const closers: { close(): void }[] = [];

beforeAll(async () => {
  redis = await startRedis({ ownServer: true });
});

afterAll(async () => {
  await redis?.stop();
});

beforeEach(async () => {
  prefix = redis.prefix();
  server = await StandaloneMediaNode.start({
    nodeId: 'node-a',
    redisUrl: redis.url,
    keyPrefix: prefix,
    media: { numWorkers: 1, rtcMinPort: 33000, rtcMaxPort: 33199 },
    log: silent,
  });
  remote = await connectTo('node-a', CALL_TIMEOUT_MS);
});

afterEach(async () => {
  for (const closer of closers.splice(0)) closer.close();
  await remote?.close();
  await server?.stop();
});

/** A caller of node `nodeId` under this test's prefix, waiting `timeoutMs` for each answer. */
function connectTo(nodeId: string, timeoutMs: number): Promise<RemoteMediaNode> {
  return RemoteMediaNode.connect({
    redisUrl: redis.url,
    nodeId,
    keyPrefix: prefix,
    log: silent,
    timeoutMs,
  });
}

async function expectMediaError(
  promise: Promise<unknown>,
  code: MediaErrorCode,
): Promise<MediaError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );

  expect(error).toBeInstanceOf(MediaError);
  expect((error as MediaError).code).toBe(code);

  return error as MediaError;
}

function nextEvent<E extends keyof MediaNodeEvents>(event: E): Promise<MediaNodeEvents[E]> {
  return once(remote.events as never, event, {
    signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
  }) as Promise<MediaNodeEvents[E]>;
}

/** A plain transport that receives RTP from a test source, and the producer on it. */
async function sendFromSource(peer: PeerRef, kind: 'audio' | 'video', ssrcs: number[]) {
  const ingest = await remote.createPlainTransport({ ...peer, comedia: true });
  const { producerId } = await remote.produce({
    ...peer,
    transportId: ingest.id,
    kind,
    rtpParameters: kind === 'audio' ? opusParameters(ssrcs[0]!) : vp8Parameters(ssrcs),
    source: kind === 'audio' ? 'microphone' : 'camera',
  });
  const source = await RtpSource.open(ingest);

  closers.push(source);
  for (const ssrc of ssrcs) {
    if (kind === 'audio') source.audio(ssrc, 30);
    else source.video(ssrc);
  }
  source.start();

  return { transportId: ingest.id, producerId, source };
}

/** A plain transport sending to a test sink, and a consumer of `producerId` on it. */
async function receiveInSink(peer: PeerRef, producerId: string) {
  const { rtpCapabilities } = await remote.openRoom(peer.roomId);
  const egress = await remote.createPlainTransport(peer);
  const sink = await RtpSink.open();

  closers.push(sink);
  await remote.connectPlainTransport({ ...peer, transportId: egress.id, ...sink.address });

  const consumer = await remote.consume({
    ...peer,
    transportId: egress.id,
    producerId,
    rtpCapabilities,
  });

  return { transportId: egress.id, consumer, sink };
}

function packetsOf(sink: RtpSink, consumer: { rtpParameters: types.RtpParameters }): number {
  return sink.packets.get(consumer.rtpParameters.encodings?.[0]?.ssrc ?? -1) ?? 0;
}

describe('every method over Redis', () => {
  it('opens a room, carries RTP from a producer to a consumer, and reports it all', async () => {
    const { rtpCapabilities } = await remote.openRoom(ROOM);

    expect(rtpCapabilities.codecs?.map((c) => c.mimeType)).toEqual(
      expect.arrayContaining(['audio/opus', 'video/VP8']),
    );

    const alice = await sendFromSource(ALICE, 'audio', [1111]);
    const bob = await receiveInSink(BOB, alice.producerId);

    expect(bob.consumer).toMatchObject({
      producerId: alice.producerId,
      kind: 'audio',
      layers: null,
    });
    expect(await remote.describePeer(BOB)).toMatchObject({
      transports: [{ transportId: bob.transportId, direction: 'plain', iceState: null }],
      consumers: [{ consumerId: bob.consumer.consumerId, paused: true }],
    });

    await remote.resumeConsumer({ ...BOB, consumerId: bob.consumer.consumerId });
    await vi.waitFor(() => expect(packetsOf(bob.sink, bob.consumer)).toBeGreaterThan(10), {
      timeout: EVENT_TIMEOUT_MS,
    });

    // Paused on either end, nothing more arrives; resumed, it flows again.
    await remote.pauseConsumer({ ...BOB, consumerId: bob.consumer.consumerId });
    await remote.pauseProducer({ ...ALICE, producerId: alice.producerId });
    expect(await remote.describePeer(ALICE)).toMatchObject({
      producers: [
        { producerId: alice.producerId, kind: 'audio', source: 'microphone', paused: true },
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 200));

    const whilePaused = packetsOf(bob.sink, bob.consumer);

    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(packetsOf(bob.sink, bob.consumer)).toBe(whilePaused);

    await remote.resumeProducer({ ...ALICE, producerId: alice.producerId });
    await remote.resumeConsumer({ ...BOB, consumerId: bob.consumer.consumerId });
    await vi.waitFor(
      () => expect(packetsOf(bob.sink, bob.consumer)).toBeGreaterThan(whilePaused + 5),
      { timeout: EVENT_TIMEOUT_MS },
    );

    await remote.setConsumerPriority({ ...BOB, consumerId: bob.consumer.consumerId, priority: 7 });
    expect(await remote.stats()).toMatchObject({
      workers: 1,
      workerPids: server.media.workerPids(),
      rooms: 1,
      transports: 2,
      producers: 1,
      consumers: 1,
    });
    await vi.waitFor(async () => expect((await remote.usage()).bitrateIn).toBeGreaterThan(0), {
      timeout: EVENT_TIMEOUT_MS,
    });
    expect((await remote.usage()).workers).toEqual([
      { pid: server.media.workerPids()[0], cpuSeconds: expect.any(Number) },
    ]);

    const links = await remote.roomLinkStats(ROOM);

    expect(links.map((l) => l.peerId).sort()).toEqual(['alice', 'bob']);

    await remote.closePeer(BOB);
    expect(await remote.describePeer(BOB)).toEqual({
      transports: [],
      producers: [],
      consumers: [],
    });
    await remote.closeRoom(ROOM);
    expect((await remote.stats()).rooms).toBe(0);
  });

  it('WebRTC transports connect, restart ICE, and take a simulcast consumer with layers', async () => {
    const { rtpCapabilities } = await remote.openRoom(ROOM);
    const send = await remote.createWebRtcTransport({ ...ALICE, direction: 'send' });
    const recv = await remote.createWebRtcTransport({ ...BOB, direction: 'recv' });

    expect(send.iceCandidates.map((c) => c.ip)).toContain('127.0.0.1');
    expect(send.dtlsParameters.fingerprints.length).toBeGreaterThan(0);

    await remote.connectTransport({
      ...BOB,
      transportId: recv.id,
      dtlsParameters: {
        role: 'client',
        fingerprints: [{ algorithm: 'sha-256', value: 'AB:'.repeat(31) + 'AB' }],
      },
    });

    const ice = await remote.restartIce({ ...ALICE, transportId: send.id });

    expect(ice.usernameFragment).not.toBe(send.iceParameters.usernameFragment);

    const video = await sendFromSource(ALICE, 'video', [2001, 2002]);
    const consumer = await remote.consume({
      ...BOB,
      transportId: recv.id,
      producerId: video.producerId,
      rtpCapabilities,
    });

    expect(consumer.layers).toEqual({ spatial: 2, temporal: 1 });
    await remote.setPreferredLayers({ ...BOB, consumerId: consumer.consumerId, spatialLayer: 0 });
    await expectMediaError(
      remote.setPreferredLayers({ ...BOB, consumerId: consumer.consumerId, spatialLayer: 5 }),
      'invalid',
    );
  });
});

describe('events over Redis', () => {
  it('a closed producer reaches the remote side as consumerclosed', async () => {
    await remote.openRoom(ROOM);
    const alice = await sendFromSource(ALICE, 'audio', [1111]);
    const bob = await receiveInSink(BOB, alice.producerId);
    const closed = nextEvent('consumerclosed');

    await remote.closeProducer({ ...ALICE, producerId: alice.producerId });

    expect(await closed).toEqual([{ ...BOB, consumerId: bob.consumer.consumerId }]);
  });

  it('the dominant speaker reaches the remote side as activespeaker', async () => {
    await remote.openRoom(ROOM);
    const speaking = nextEvent('activespeaker');
    const alice = await sendFromSource(ALICE, 'audio', [1111]);

    expect(await speaking).toEqual([{ ...ALICE, producerId: alice.producerId }]);
  });

  it("a dead worker's room reaches the remote side as roomclosed", async () => {
    await remote.openRoom(ROOM);
    const closed = nextEvent('roomclosed');

    process.kill(server.media.workerPids()[0]!, 'SIGKILL');

    expect(await closed).toEqual([{ roomId: ROOM, reason: 'worker_died' }]);
  });
});

describe('errors over Redis', () => {
  it('MediaErrors keep their code and message', async () => {
    await remote.openRoom(ROOM);

    const notFound = await expectMediaError(
      remote.createWebRtcTransport({ roomId: 'nowhere', peerId: 'alice', direction: 'send' }),
      'not_found',
    );

    expect(notFound.message).toBe('no such room');
    for (let i = 0; i < 4; i++) await remote.createPlainTransport(ALICE);
    await expectMediaError(remote.createPlainTransport(ALICE), 'capacity');

    const transport = await remote.createWebRtcTransport({ ...BOB, direction: 'send' });
    const invalid = await expectMediaError(
      remote.produce({
        ...BOB,
        transportId: transport.id,
        kind: 'audio',
        rtpParameters: {
          ...opusParameters(1),
          codecs: undefined,
        } as unknown as types.RtpParameters,
        source: 'microphone',
      }),
      'invalid',
    );

    expect(invalid.message).toMatch(/params\.codecs/);
  });

  it('malformed requests are refused with invalid and the node carries on', async () => {
    const keys = new ClusterKeys(prefix);
    const raw = new Redis(redis.url);
    const replies = new Redis(redis.url);
    const replyTo = keys.replies('raw-test');
    const answers: unknown[] = [];

    try {
      await replies.subscribe(replyTo);
      replies.on('message', (_channel: string, message: string) =>
        answers.push(JSON.parse(message)),
      );

      const send = (request: unknown) =>
        raw.publish(
          keys.requests('node-a'),
          typeof request === 'string' ? request : JSON.stringify(request),
        );

      await send('{ not json');
      await send({ id: '1', replyTo, method: 'close', args: [] });
      await send({ id: '2', replyTo, method: 'openRoom', args: [42] });
      await send({ id: '3', replyTo, method: 'closePeer', args: [{ roomId: ROOM }] });
      await send({ id: '4', replyTo: keys.requests('node-a'), method: 'stats', args: [] });
      await send({ id: '5', replyTo, method: 'stats', args: [], timeoutMs: -1 });
      await send({ id: '6', replyTo, method: 'stats', args: [] });

      await vi.waitFor(() => expect(answers).toHaveLength(5), { timeout: EVENT_TIMEOUT_MS });
      expect(answers).toEqual([
        {
          id: '1',
          ok: false,
          error: expect.objectContaining({
            code: 'invalid',
            message: expect.stringMatching(/unknown method/),
          }),
        },
        {
          id: '2',
          ok: false,
          error: expect.objectContaining({
            code: 'invalid',
            message: expect.stringMatching(/room id/),
          }),
        },
        {
          id: '3',
          ok: false,
          error: expect.objectContaining({
            code: 'invalid',
            message: expect.stringMatching(/room and a peer/),
          }),
        },
        {
          id: '5',
          ok: false,
          error: expect.objectContaining({
            code: 'invalid',
            message: expect.stringMatching(/timeoutMs must be a whole number/),
          }),
        },
        { id: '6', ok: true, result: expect.objectContaining({ workers: 1 }) },
      ]);
      expect(server.media.closed).toBe(false);
    } finally {
      raw.disconnect();
      replies.disconnect();
    }
  });
});

describe('nodes that are gone', () => {
  it('a call to a node nobody serves fails at once with unavailable', async () => {
    const ghost = await connectTo('no-such-node', 60_000);
    const started = performance.now();

    try {
      const error = await expectMediaError(ghost.openRoom(ROOM), 'unavailable');

      expect(error.message).toMatch(/not listening/);
      expect(performance.now() - started).toBeLessThan(1_000);
    } finally {
      await ghost.close();
    }
  });

  it('a call to a node that listens but never answers fails with unavailable after the timeout', async () => {
    const keys = new ClusterKeys(prefix);
    const hung = new Redis(redis.url);
    const node = await connectTo('hung-node', 300);

    try {
      await hung.subscribe(keys.requests('hung-node'));

      const started = performance.now();
      const error = await expectMediaError(node.stats(), 'unavailable');
      const waited = performance.now() - started;

      expect(error.message).toMatch(/did not answer stats/);
      expect(waited).toBeGreaterThanOrEqual(290);
      expect(waited).toBeLessThan(2_000);
    } finally {
      hung.disconnect();
      await node.close();
    }
  });

  it('without Redis, connecting fails with unavailable and does not go on trying', async () => {
    // A port that accepts connections and closes them at once, as a Redis going down would.
    let attempts = 0;
    const closing = net.createServer((socket) => {
      attempts++;
      socket.destroy();
    });

    closing.listen(0, '127.0.0.1');
    await once(closing, 'listening');

    try {
      const { port } = closing.address() as net.AddressInfo;

      await expect(
        RemoteMediaNode.connect({
          redisUrl: `redis://127.0.0.1:${port}`,
          nodeId: 'x',
          log: silent,
        }),
      ).rejects.toMatchObject({ name: 'MediaError', code: 'unavailable' });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(attempts).toBe(1);
    } finally {
      closing.close();
    }
  });

  it('a stopped node fails calls at once', async () => {
    await remote.openRoom(ROOM);
    await server.stop();

    await expectMediaError(remote.stats(), 'unavailable');
  });
});

describe('answers that come after the caller gave up', () => {
  it('close a transport made after the caller gave up, and keep one made in time', async () => {
    const impatient = await connectTo('node-a', 200);
    const [workerPid] = server.media.workerPids();

    closers.push({ close: () => void impatient.close() });
    await remote.openRoom(ROOM);

    // The worker stalls (SIGSTOP) while the request waits on it, past the caller's patience.
    process.kill(workerPid!, 'SIGSTOP');
    try {
      await expectMediaError(
        impatient.createWebRtcTransport({ ...ALICE, direction: 'send' }),
        'unavailable',
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      process.kill(workerPid!, 'SIGCONT');
    }

    // Made after the caller gave up, and closed again at once.
    await vi.waitFor(
      async () => expect((await remote.describePeer(ALICE)).transports).toEqual([]),
      { timeout: EVENT_TIMEOUT_MS, interval: 50 },
    );
    // The same request answered in time keeps what it made.
    await remote.createWebRtcTransport({ ...ALICE, direction: 'send' });
    expect((await remote.describePeer(ALICE)).transports).toHaveLength(1);
  });
});

describe('a Redis that stops answering', () => {
  it('fails calls with unavailable once their time is up, and leaves no rejection unhandled', async () => {
    await remote.openRoom(ROOM);

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);

    process.on('unhandledRejection', onUnhandled);
    redis.pause();
    try {
      const started = performance.now();
      const error = await expectMediaError(remote.stats(), 'unavailable');
      const waited = performance.now() - started;

      expect(error.message).toMatch(/did not answer stats/);
      expect(waited).toBeGreaterThanOrEqual(CALL_TIMEOUT_MS - 10);
      expect(waited).toBeLessThan(CALL_TIMEOUT_MS + 1_500);
      // Past the command timeout too, when the publish held by Redis gives up.
      await new Promise((resolve) => setTimeout(resolve, 2_500));
      expect(unhandled).toEqual([]);
    } finally {
      redis.resume();
      process.off('unhandledRejection', onUnhandled);
    }

    expect(await remote.stats()).toBeDefined();
  });
});

describe('Redis restart', () => {
  it('calls and events work again by themselves once Redis is back', async () => {
    await remote.openRoom(ROOM);
    await redis.restart({ downMs: 300 });

    const started = performance.now();

    await vi.waitFor(
      async () => expect(await remote.stats()).toMatchObject({ rooms: 1, workers: 1 }),
      { timeout: 10_000, interval: 100 },
    );
    console.info(`RPC back ${(performance.now() - started).toFixed(0)} ms after Redis restarted`);

    // Events flow again too: the subscriptions were renewed on both sides.
    const alice = await sendFromSource(ALICE, 'audio', [1111]);
    const bob = await receiveInSink(BOB, alice.producerId);
    const closed = nextEvent('consumerclosed');

    await remote.closeProducer({ ...ALICE, producerId: alice.producerId });
    expect(await closed).toEqual([{ ...BOB, consumerId: bob.consumer.consumerId }]);
  });
});
