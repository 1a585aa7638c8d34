import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

import * as mediasoup from 'mediasoup';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { JoinReply, RtpCapabilities, TransportOptions } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

const OPUS = (ssrc: number) => ({
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc }],
  rtcp: { cname: 'worker-death-test' },
});

/**
 * The user-facing goal is media flowing again within 3 s of a worker's death; that is measured end
 * to end in Chromium. Here the server's part is measured and reported, with a generous bound so
 * that a busy machine does not make the test flaky.
 */
const GENEROUS_MS = 10_000;

describe('a mediasoup worker dying', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];
  /** The worker each router was placed on, in the order the routers were created. */
  const routerPids: number[] = [];

  beforeAll(async () => {
    mediasoup.observer.on('newworker', (worker) => {
      worker.observer.on('newrouter', () => routerPids.push(worker.pid));
    });
    server = await startTestServer({ env: { MEDIASOUP_WORKERS: '2' } });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server.stop();
  });

  const meeting = async () => {
    const id = randomUUID();

    await server.db.query(
      `insert into meetings (id, patient_id, title, waiting_room)
       values ($1, 'patient-demo', 'Teammøte', false)`,
      [id],
    );

    return id;
  };

  const ok = async <T>(socket: TestSocket, event: string, payload: unknown): Promise<T> => {
    const ack = await ask<T>(socket, event, payload);

    if (!ack.ok) throw new Error(`${event} refused: ${ack.error.code} ${ack.error.message}`);

    return ack.data;
  };

  /** A participant with a microphone on a send transport and a receive transport. */
  const participant = async (personId: string, meetingId: string, ssrc: number) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    const reply = await ok<JoinReply>(socket, 'meeting:join', { meetingId });
    const send = await ok<TransportOptions>(socket, 'media:createTransport', { direction: 'send' });
    const recv = await ok<TransportOptions>(socket, 'media:createTransport', { direction: 'recv' });
    const { producerId } = await ok<{ producerId: string }>(socket, 'media:produce', {
      transportId: send.id,
      kind: 'audio',
      rtpParameters: OPUS(ssrc),
      source: 'microphone',
    });

    return { socket, reply, send: send.id, recv: recv.id, producerId };
  };

  it('reopens the meetings on it on a live worker, and leaves other meetings alone', async () => {
    const stricken = await meeting();
    const spared = await meeting();
    const a = await participant('person-kari', stricken, 1);
    const b = await participant('person-per', stricken, 2);
    const c = await participant('person-ola', spared, 3);
    const [strickenPid, sparedPid] = routerPids;

    expect(strickenPid).not.toBe(sparedPid);

    const sparedEvents: string[] = [];
    const leftNotices: string[] = [];

    (c.socket as unknown as Socket).onAny((event: string) => {
      if (event !== 'media:quality') sparedEvents.push(event);
    });
    (a.socket as unknown as Socket).on('peer:left', ({ peerId }: { peerId: string }) =>
      leftNotices.push(peerId),
    );

    const resets = [a, b].map((p) =>
      nextEvent<{ routerRtpCapabilities: RtpCapabilities }>(p.socket, 'media:reset', GENEROUS_MS),
    );
    const killedAt = performance.now();

    process.kill(strickenPid!, 'SIGKILL');

    const [reset] = await Promise.all(resets);
    const resetAfter = performance.now() - killedAt;

    // The client sets its media up anew: transports, then what it sends.
    const send = await ok<TransportOptions>(a.socket, 'media:createTransport', {
      direction: 'send',
    });

    await ok(a.socket, 'media:produce', {
      transportId: send.id,
      kind: 'audio',
      rtpParameters: OPUS(11),
      source: 'microphone',
    });

    const mediaAgainAfter = performance.now() - killedAt;

    console.info(
      `worker death: media:reset after ${resetAfter.toFixed(0)} ms, ` +
        `a transport and a producer again after ${mediaAgainAfter.toFixed(0)} ms`,
    );
    expect(mediaAgainAfter).toBeLessThan(GENEROUS_MS);
    expect(reset!.routerRtpCapabilities.codecs?.map((c) => c.mimeType)).toContain('audio/opus');

    // The people stay; their old media is gone.
    expect(server.meetings.meeting(stricken)?.size).toBe(2);
    expect(leftNotices).toEqual([]);
    expect(await ask(b.socket, 'media:restartIce', { transportId: b.send })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(routerPids.at(-1)).toBe(sparedPid);

    // The meeting on the other worker never noticed.
    expect(sparedEvents).toEqual([]);
    expect(await ask(c.socket, 'media:restartIce', { transportId: c.recv })).toMatchObject({
      ok: true,
    });
    expect(await ask(c.socket, 'media:pauseProducer', { producerId: c.producerId })).toEqual({
      ok: true,
      data: {},
    });
    await expect.poll(async () => (await server.media.stats()).workers).toBe(2);
    expect((await server.media.stats()).workerPids).not.toContain(strickenPid);
  });

  it('opens a room closed under people still in it again, and has them set up their media anew', async () => {
    // As when another signalling node saw the meeting empty, and closed its room, just as these
    // two joined here.
    const id = await meeting();
    const a = await participant('person-kari', id, 21);
    const b = await participant('person-per', id, 22);
    const resets = [a, b].map((p) =>
      nextEvent<{ routerRtpCapabilities: RtpCapabilities }>(p.socket, 'media:reset', GENEROUS_MS),
    );

    await server.media.closeRoom(id);

    const [, reset] = await Promise.all(resets);

    // The client loads a device for the new room and tells what it can receive.
    await ok(b.socket, 'media:setRtpCapabilities', {
      rtpCapabilities: reset!.routerRtpCapabilities,
    });

    const recv = await ok<TransportOptions>(b.socket, 'media:createTransport', {
      direction: 'recv',
    });
    const send = await ok<TransportOptions>(a.socket, 'media:createTransport', {
      direction: 'send',
    });
    const { producerId } = await ok<{ producerId: string }>(a.socket, 'media:produce', {
      transportId: send.id,
      kind: 'audio',
      rtpParameters: OPUS(23),
      source: 'microphone',
    });

    expect(server.meetings.meeting(id)?.size).toBe(2);
    expect(
      await ask(b.socket, 'media:consume', { transportId: recv.id, producerId }),
    ).toMatchObject({ ok: true });
  });
});
