import dgram from 'node:dgram';
import { once } from 'node:events';

import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { MediaError } from './errors.ts';
import type { MediaErrorCode } from './errors.ts';
import { LocalMediaNode } from './LocalMediaNode.ts';
import type { MediaNodeOptions } from './config.ts';
import type { PeerRef } from './MediaNode.ts';

const RTC_MIN_PORT = 41000;
const RTC_MAX_PORT = 41999;
const ROOM = 'room-1';
const ALICE: PeerRef = { roomId: ROOM, peerId: 'alice' };
const BOB: PeerRef = { roomId: ROOM, peerId: 'bob' };
const EVENT_TIMEOUT_MS = 5_000;

const silent = pino({ level: 'silent' });

/*
 * LocalMediaNode exposes no getters for the mediasoup objects it holds. mediasoup's public observer
 * API lets the tests see them anyway (a consumer's paused flag, whether a transport was closed)
 * without reaching into the node's private state.
 */
const observed = {
  routers: [] as types.Router[],
  transports: [] as types.Transport[],
  producers: new Map<string, types.Producer>(),
  consumers: new Map<string, types.Consumer>(),
};

beforeAll(() => {
  mediasoup.observer.on('newworker', (worker) => {
    worker.observer.on('newrouter', (router) => {
      observed.routers.push(router);
      router.observer.on('newtransport', (transport) => {
        observed.transports.push(transport);
        transport.observer.on('newproducer', (p) => observed.producers.set(p.id, p));
        transport.observer.on('newconsumer', (c) => observed.consumers.set(c.id, c));
      });
    });
  });
});

let node: LocalMediaNode;

async function startNode(options: MediaNodeOptions = {}): Promise<LocalMediaNode> {
  await node?.close();
  node = await LocalMediaNode.create(
    { numWorkers: 1, rtcMinPort: RTC_MIN_PORT, rtcMaxPort: RTC_MAX_PORT, ...options },
    silent,
  );

  return node;
}

beforeEach(async () => {
  observed.routers.length = 0;
  observed.transports.length = 0;
  observed.producers.clear();
  observed.consumers.clear();
  await startNode();
});

afterEach(async () => {
  await node.close();
});

/** A fresh object each time: mediasoup fills in defaults on the parameters it is given. */
function audioRtpParameters(ssrc = 11111111): types.RtpParameters {
  return {
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
    encodings: [{ ssrc }],
    rtcp: { cname: 'test' },
  };
}

async function sendAudio(peer: PeerRef, ssrc?: number) {
  const transport = await node.createWebRtcTransport({ ...peer, direction: 'send' });
  const { producerId } = await node.produce({
    ...peer,
    transportId: transport.id,
    kind: 'audio',
    rtpParameters: audioRtpParameters(ssrc),
    source: 'microphone',
  });

  return { transportId: transport.id, producerId };
}

async function receive(peer: PeerRef, producerId: string) {
  const { rtpCapabilities } = await node.openRoom(peer.roomId);
  const transport = await node.createWebRtcTransport({ ...peer, direction: 'recv' });
  const consumer = await node.consume({
    ...peer,
    transportId: transport.id,
    producerId,
    rtpCapabilities,
  });

  return { transportId: transport.id, consumer };
}

async function expectMediaError(promise: Promise<unknown>, code: MediaErrorCode): Promise<void> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );

  expect(error).toBeInstanceOf(MediaError);
  expect((error as MediaError).code).toBe(code);
}

describe('rooms', () => {
  it('openRoom returns router RTP capabilities with opus and VP8', async () => {
    const { rtpCapabilities } = await node.openRoom(ROOM);
    const mimeTypes = rtpCapabilities.codecs?.map((codec) => codec.mimeType);

    expect(mimeTypes).toContain('audio/opus');
    expect(mimeTypes).toContain('video/VP8');
    expect(rtpCapabilities.codecs?.find((c) => c.mimeType === 'audio/opus')).toMatchObject({
      kind: 'audio',
      clockRate: 48000,
      channels: 2,
    });
  });

  it('opening the same room again returns the same capabilities and keeps one room', async () => {
    const first = await node.openRoom(ROOM);
    const second = await node.openRoom(ROOM);

    expect(second.rtpCapabilities).toEqual(first.rtpCapabilities);
    expect((await node.stats()).rooms).toBe(1);
    expect(observed.routers).toHaveLength(1);
  });

  it('opening the same room concurrently creates one router', async () => {
    const results = await Promise.all([
      node.openRoom(ROOM),
      node.openRoom(ROOM),
      node.openRoom(ROOM),
    ]);

    expect(results[1]!.rtpCapabilities).toEqual(results[0]!.rtpCapabilities);
    expect(results[2]!.rtpCapabilities).toEqual(results[0]!.rtpCapabilities);
    expect((await node.stats()).rooms).toBe(1);
    expect(observed.routers).toHaveLength(1);
  });
});

describe('transports', () => {
  it('a WebRTC transport offers ICE candidates on the listen IP and DTLS fingerprints', async () => {
    await node.openRoom(ROOM);

    const transport = await node.createWebRtcTransport({ ...ALICE, direction: 'send' });

    expect(transport.iceCandidates.map((c) => c.protocol).sort()).toEqual(['tcp', 'udp']);
    for (const candidate of transport.iceCandidates) {
      expect(candidate.ip).toBe('127.0.0.1');
      expect(candidate.type).toBe('host');
      expect(candidate.port).toBeGreaterThanOrEqual(RTC_MIN_PORT);
      expect(candidate.port).toBeLessThanOrEqual(RTC_MAX_PORT);
    }
    expect(transport.iceParameters.usernameFragment).not.toBe('');
    expect(transport.iceParameters.password).not.toBe('');
    expect(transport.dtlsParameters.role).toBe('auto');
    expect(transport.dtlsParameters.fingerprints).toContainEqual({
      algorithm: 'sha-256',
      value: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
    });
    expect(await node.stats()).toMatchObject({ rooms: 1, transports: 1 });
  });

  it('a peer is limited to 4 transports', async () => {
    await node.openRoom(ROOM);
    for (let i = 0; i < 4; i++) await node.createWebRtcTransport({ ...ALICE, direction: 'recv' });

    await expectMediaError(node.createWebRtcTransport({ ...ALICE, direction: 'recv' }), 'capacity');

    expect((await node.stats()).transports).toBe(4);
    expect(observed.transports).toHaveLength(4);

    await node.createWebRtcTransport({ ...BOB, direction: 'recv' });

    expect((await node.stats()).transports).toBe(5);
  });

  it('concurrent requests cannot pass the limit of 4 transports', async () => {
    await node.openRoom(ROOM);

    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => node.createWebRtcTransport({ ...ALICE, direction: 'recv' })),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => (r.reason as MediaError).code),
    ).toEqual(['capacity', 'capacity']);
    expect((await node.stats()).transports).toBe(4);
  });
});

describe('consumers', () => {
  it('a consumer starts paused and resumes only when asked', async () => {
    await node.openRoom(ROOM);
    const { producerId } = await sendAudio(ALICE);

    const { consumer } = await receive(BOB, producerId);
    const observedConsumer = observed.consumers.get(consumer.consumerId);

    expect(consumer).toMatchObject({ producerId, kind: 'audio' });
    expect(consumer.rtpParameters.codecs[0]?.mimeType).toBe('audio/opus');
    expect(await node.stats()).toMatchObject({ producers: 1, consumers: 1 });
    expect(observedConsumer?.paused).toBe(true);

    await node.resumeProducer({ ...ALICE, producerId });

    expect(observedConsumer?.paused).toBe(true);

    await node.resumeConsumer({ ...BOB, consumerId: consumer.consumerId });

    expect(observedConsumer?.paused).toBe(false);
    expect(observedConsumer?.closed).toBe(false);
  });

  it('closing a producer closes its consumers and tells the consuming peer', async () => {
    await node.openRoom(ROOM);
    const { producerId } = await sendAudio(ALICE);
    const { consumer } = await receive(BOB, producerId);
    const consumerClosed = once(node.events, 'consumerclosed', {
      signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
    });

    await node.closeProducer({ ...ALICE, producerId });

    expect(await consumerClosed).toEqual([{ ...BOB, consumerId: consumer.consumerId }]);
    expect(await node.stats()).toMatchObject({ transports: 2, producers: 0, consumers: 0 });
    expect(observed.consumers.get(consumer.consumerId)?.closed).toBe(true);
    await expectMediaError(
      node.resumeConsumer({ ...BOB, consumerId: consumer.consumerId }),
      'not_found',
    );
  });
});

describe('ownership', () => {
  it("a peer cannot use another peer's transport, producer or consumer", async () => {
    await node.openRoom(ROOM);
    const alice = await sendAudio(ALICE);
    const bob = await receive(BOB, alice.producerId);
    const { rtpCapabilities } = await node.openRoom(ROOM);
    const before = await node.stats();
    const dtlsParameters: types.DtlsParameters = {
      role: 'client',
      fingerprints: [{ algorithm: 'sha-256', value: 'AB:'.repeat(31) + 'AB' }],
    };

    await expectMediaError(
      node.connectTransport({ ...BOB, transportId: alice.transportId, dtlsParameters }),
      'not_found',
    );
    await expectMediaError(
      node.restartIce({ ...BOB, transportId: alice.transportId }),
      'not_found',
    );
    await expectMediaError(
      node.produce({
        ...BOB,
        transportId: alice.transportId,
        kind: 'audio',
        rtpParameters: audioRtpParameters(22222222),
        source: 'microphone',
      }),
      'not_found',
    );
    await expectMediaError(
      node.consume({
        ...ALICE,
        transportId: bob.transportId,
        producerId: alice.producerId,
        rtpCapabilities,
      }),
      'not_found',
    );
    await expectMediaError(
      node.pauseProducer({ ...BOB, producerId: alice.producerId }),
      'not_found',
    );
    await expectMediaError(
      node.closeProducer({ ...BOB, producerId: alice.producerId }),
      'not_found',
    );
    await expectMediaError(
      node.resumeConsumer({ ...ALICE, consumerId: bob.consumer.consumerId }),
      'not_found',
    );
    await expectMediaError(
      node.resumeConsumer({ roomId: ROOM, peerId: 'mallory', consumerId: bob.consumer.consumerId }),
      'not_found',
    );

    expect(await node.stats()).toEqual(before);
    expect(observed.transports.map((t) => t.closed)).toEqual([false, false]);
    expect(observed.producers.get(alice.producerId)).toMatchObject({
      closed: false,
      paused: false,
    });
    expect(observed.consumers.get(bob.consumer.consumerId)).toMatchObject({
      closed: false,
      paused: true,
    });
  });

  it('ids from another room are not found', async () => {
    await node.openRoom(ROOM);
    await node.openRoom('room-2');
    const alice = await sendAudio(ALICE);

    await expectMediaError(
      node.closeProducer({ roomId: 'room-2', peerId: 'alice', producerId: alice.producerId }),
      'not_found',
    );
    await expectMediaError(
      node.createWebRtcTransport({ roomId: 'no-such-room', peerId: 'alice', direction: 'send' }),
      'not_found',
    );

    expect(observed.producers.get(alice.producerId)?.closed).toBe(false);
  });

  it("closePeer closes all of the peer's transports, producers and consumers", async () => {
    await node.openRoom(ROOM);
    const alice = await sendAudio(ALICE, 11111111);
    const bob = await sendAudio(BOB, 22222222);
    const aliceReceives = await receive(ALICE, bob.producerId);
    const bobReceives = await receive(BOB, alice.producerId);

    expect(await node.stats()).toMatchObject({ transports: 4, producers: 2, consumers: 2 });

    const bobsConsumerClosed = once(node.events, 'consumerclosed', {
      signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
    });

    await node.closePeer(ALICE);

    expect(await bobsConsumerClosed).toEqual([
      { ...BOB, consumerId: bobReceives.consumer.consumerId },
    ]);
    expect(await node.stats()).toMatchObject({ transports: 2, producers: 1, consumers: 0 });
    expect(observed.transports.find((t) => t.id === alice.transportId)?.closed).toBe(true);
    expect(observed.transports.find((t) => t.id === aliceReceives.transportId)?.closed).toBe(true);
    expect(observed.producers.get(alice.producerId)?.closed).toBe(true);
    expect(observed.consumers.get(aliceReceives.consumer.consumerId)?.closed).toBe(true);
    await expectMediaError(
      node.closeProducer({ ...ALICE, producerId: alice.producerId }),
      'not_found',
    );

    await node.closePeer(BOB);

    expect(await node.stats()).toMatchObject({
      workers: 1,
      rooms: 1,
      transports: 0,
      producers: 0,
      consumers: 0,
    });
    expect(observed.transports.every((t) => t.closed)).toBe(true);
    expect([...observed.producers.values()].every((p) => p.closed)).toBe(true);
    expect([...observed.consumers.values()].every((c) => c.closed)).toBe(true);
  });
});

describe('plain transports', () => {
  /** An RTP packet with Opus's payload type and a payload the receiver can recognise. */
  function rtpPacket(seq: number, ssrc: number, payload: Buffer): Buffer {
    const header = Buffer.alloc(12);

    header[0] = 0x80;
    header[1] = 111;
    header.writeUInt16BE(seq, 2);
    header.writeUInt32BE(seq * 960, 4);
    header.writeUInt32BE(ssrc, 8);

    return Buffer.concat([header, payload]);
  }

  async function udpSocket(): Promise<dgram.Socket> {
    const socket = dgram.createSocket('udp4');

    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');

    return socket;
  }

  it("RTP sent to a peer's plain transport reaches another peer's plain transport", async () => {
    const { rtpCapabilities } = await node.openRoom(ROOM);
    const ingest = await node.createPlainTransport({ ...ALICE, comedia: true });
    const { producerId } = await node.produce({
      ...ALICE,
      transportId: ingest.id,
      kind: 'audio',
      rtpParameters: audioRtpParameters(11111111),
      source: 'gateway',
    });
    const egress = await node.createPlainTransport(BOB);
    const sink = await udpSocket();
    const sender = await udpSocket();

    try {
      await node.connectPlainTransport({
        ...BOB,
        transportId: egress.id,
        ip: '127.0.0.1',
        port: sink.address().port,
      });

      const consumer = await node.consume({
        ...BOB,
        transportId: egress.id,
        producerId,
        rtpCapabilities,
      });
      const consumerSsrc = consumer.rtpParameters.encodings?.[0]?.ssrc;
      const received: Buffer[] = [];

      sink.on('message', (packet) => {
        // RTCP shares the port (RTCP-mux); its packet types, in the second byte, are 192-223.
        if (packet[1]! < 192 || packet[1]! > 223) received.push(packet);
      });
      await node.resumeConsumer({ ...BOB, consumerId: consumer.consumerId });

      expect(ingest.ip).toBe('127.0.0.1');
      expect(egress.port).toBeGreaterThanOrEqual(RTC_MIN_PORT);
      expect(egress.port).toBeLessThanOrEqual(RTC_MAX_PORT);

      const payload = Buffer.from('teamrom plain transport test');
      let seq = 1;
      const sending = setInterval(() => {
        sender.send(rtpPacket(seq++, 11111111, payload), ingest.port, ingest.ip);
      }, 20);

      try {
        await vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(5), {
          timeout: EVENT_TIMEOUT_MS,
          interval: 20,
        });
      } finally {
        clearInterval(sending);
      }

      for (const packet of received) {
        expect(packet.readUInt32BE(8)).toBe(consumerSsrc);
        expect(packet.subarray(packet.length - payload.length)).toEqual(payload);
      }
      expect(await node.stats()).toMatchObject({ transports: 2, producers: 1, consumers: 1 });
    } finally {
      sink.close();
      sender.close();
    }
  });

  it('plain transports count against the transport limit and take no WebRTC calls', async () => {
    await node.openRoom(ROOM);
    const plain = await node.createPlainTransport(ALICE);
    const webRtc = await node.createWebRtcTransport({ ...ALICE, direction: 'recv' });
    const dtlsParameters: types.DtlsParameters = {
      role: 'client',
      fingerprints: [{ algorithm: 'sha-256', value: 'AB:'.repeat(31) + 'AB' }],
    };

    await node.createPlainTransport(ALICE);
    await node.createPlainTransport({ ...ALICE, comedia: true });

    await expectMediaError(node.createPlainTransport(ALICE), 'capacity');
    await expectMediaError(
      node.connectTransport({ ...ALICE, transportId: plain.id, dtlsParameters }),
      'not_found',
    );
    await expectMediaError(node.restartIce({ ...ALICE, transportId: plain.id }), 'not_found');
    await expectMediaError(
      node.connectPlainTransport({ ...ALICE, transportId: webRtc.id, ip: '127.0.0.1', port: 9 }),
      'not_found',
    );
    await expectMediaError(
      node.connectPlainTransport({ ...BOB, transportId: plain.id, ip: '127.0.0.1', port: 9 }),
      'not_found',
    );
    await expectMediaError(
      node.connectPlainTransport({ ...ALICE, transportId: plain.id, ip: '127.0.0.1', port: 0 }),
      'invalid',
    );
    await expectMediaError(
      node.connectPlainTransport({ ...ALICE, transportId: plain.id, ip: 'nowhere', port: 9 }),
      'invalid',
    );

    expect((await node.stats()).transports).toBe(4);

    await node.closePeer(ALICE);

    expect((await node.stats()).transports).toBe(0);
    expect(observed.transports.every((t) => t.closed)).toBe(true);
  });
});

describe('bad parameters', () => {
  it('produce with rtpParameters missing codecs is refused and the worker survives', async () => {
    await node.openRoom(ROOM);
    const pids = node.workerPids();
    const transport = await node.createWebRtcTransport({ ...ALICE, direction: 'send' });
    const withoutCodecs = { ...audioRtpParameters(), codecs: undefined };

    await expect(
      node.produce({
        ...ALICE,
        transportId: transport.id,
        kind: 'audio',
        rtpParameters: withoutCodecs as unknown as types.RtpParameters,
        source: 'microphone',
      }),
    ).rejects.toMatchObject({ name: 'MediaError', code: 'invalid', message: /params\.codecs/ });

    expect(node.workerPids()).toEqual(pids);
    expect((await node.stats()).producers).toBe(0);

    await node.produce({
      ...ALICE,
      transportId: transport.id,
      kind: 'audio',
      rtpParameters: audioRtpParameters(),
      source: 'microphone',
    });

    expect((await node.stats()).producers).toBe(1);
  });

  it('connectTransport with no DTLS fingerprints is refused and the worker survives', async () => {
    await node.openRoom(ROOM);
    const pids = node.workerPids();
    const transport = await node.createWebRtcTransport({ ...ALICE, direction: 'send' });

    await expect(
      node.connectTransport({
        ...ALICE,
        transportId: transport.id,
        dtlsParameters: { role: 'client', fingerprints: [] },
      }),
    ).rejects.toMatchObject({ name: 'MediaError', code: 'invalid', message: /fingerprints/ });

    expect(node.workerPids()).toEqual(pids);
    expect(observed.transports[0]?.closed).toBe(false);
    expect(await node.restartIce({ ...ALICE, transportId: transport.id })).toMatchObject({
      usernameFragment: expect.any(String),
      password: expect.any(String),
    });
  });
});

describe('worker failure', () => {
  it('rooms on a killed worker close with worker_died and a replacement worker takes new rooms', async () => {
    await node.openRoom(ROOM);
    const alice = await sendAudio(ALICE);
    const [deadPid] = node.workerPids();
    const roomClosed = once(node.events, 'roomclosed', {
      signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
    });

    process.kill(deadPid!, 'SIGKILL');

    expect(await roomClosed).toEqual([{ roomId: ROOM, reason: 'worker_died' }]);
    expect(await node.stats()).toMatchObject({ rooms: 0, transports: 0, producers: 0 });
    await expectMediaError(
      node.closeProducer({ ...ALICE, producerId: alice.producerId }),
      'not_found',
    );

    await vi.waitFor(
      () => {
        expect(node.workerPids()).toHaveLength(1);
        expect(node.workerPids()).not.toContain(deadPid);
      },
      { timeout: EVENT_TIMEOUT_MS, interval: 50 },
    );

    const { rtpCapabilities } = await node.openRoom(ROOM);
    const transport = await node.createWebRtcTransport({ ...ALICE, direction: 'send' });

    expect(rtpCapabilities.codecs?.map((c) => c.mimeType)).toContain('audio/opus');
    expect(transport.iceCandidates[0]?.ip).toBe('127.0.0.1');
    expect(await node.stats()).toMatchObject({ workers: 1, rooms: 1, transports: 1 });
  });

  it('a room opened right after the only worker died waits for its replacement', async () => {
    await node.openRoom(ROOM);

    const [deadPid] = node.workerPids();
    const roomClosed = once(node.events, 'roomclosed', {
      signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
    });

    process.kill(deadPid!, 'SIGKILL');
    await roomClosed;

    const { rtpCapabilities } = await node.openRoom('room-after-death');

    expect(rtpCapabilities.codecs?.length).toBeGreaterThan(0);
    expect(node.workerPids()).toHaveLength(1);
    expect(node.workerPids()).not.toContain(deadPid);
  });

  it('a killed worker closes only the rooms that lived on it', async () => {
    await startNode({ numWorkers: 2 });
    await node.openRoom('room-a');
    await node.openRoom('room-b');
    const [firstPid, secondPid] = node.workerPids();
    const closedRooms: string[] = [];

    node.events.on('roomclosed', ({ roomId }) => closedRooms.push(roomId));
    const roomClosed = once(node.events, 'roomclosed', {
      signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
    });

    process.kill(firstPid!, 'SIGKILL');
    await roomClosed;
    await vi.waitFor(() => expect(node.workerPids()).toHaveLength(2), {
      timeout: EVENT_TIMEOUT_MS,
      interval: 50,
    });

    expect(node.workerPids()).toContain(secondPid);
    expect(closedRooms).toHaveLength(1);
    expect((await node.stats()).rooms).toBe(1);

    const survivor = closedRooms[0] === 'room-a' ? 'room-b' : 'room-a';
    const transport = await node.createWebRtcTransport({
      roomId: survivor,
      peerId: 'alice',
      direction: 'send',
    });

    expect(transport.id).toEqual(expect.any(String));
  });
});
