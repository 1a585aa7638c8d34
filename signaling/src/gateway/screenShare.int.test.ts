import { randomUUID } from 'node:crypto';

import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { ProducerInfo, TransportOptions } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, startTestServer } from '../testing/harness.ts';

const SCREEN = (ssrc: number) => ({
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
  encodings: [{ ssrc }],
  rtcp: { cname: 'screen-test' },
});

describe('screen sharing', () => {
  let server: TestServer;
  let meetingId: string;
  const sockets: TestSocket[] = [];
  const transports = new Map<string, types.Transport>();

  beforeAll(async () => {
    // The transports the media node creates, so that a test can close one under a producer.
    mediasoup.observer.on('newworker', (worker) => {
      worker.observer.on('newrouter', (router) => {
        router.observer.on('newtransport', (t) => transports.set(t.id, t));
      });
    });
    server = await startTestServer();
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  const joined = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    const ack = await ask<{ self: { peerId: string } }>(socket, 'meeting:join', { meetingId });

    if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);

    return { socket, peerId: ack.data.self.peerId };
  };

  const sendTransport = async (socket: TestSocket) => {
    const ack = await ask<TransportOptions>(socket, 'media:createTransport', { direction: 'send' });

    if (!ack.ok) throw new Error('transport refused');

    return ack.data.id;
  };

  const shareScreen = (socket: TestSocket, transportId: string, ssrc: number) =>
    ask<{ producerId: string }>(socket, 'media:produce', {
      transportId,
      kind: 'video',
      rtpParameters: SCREEN(ssrc),
      source: 'screen',
    });

  /** The screen producers another participant is told of, opened and closed. */
  const countScreens = (socket: TestSocket) => {
    const screens = new Set<string>();
    const seen = { opened: [] as string[], closed: [] as string[] };

    (socket as unknown as Socket).on('producer:new', (p: ProducerInfo) => {
      if (p.source !== 'screen') return;
      screens.add(p.producerId);
      seen.opened.push(p.producerId);
    });
    (socket as unknown as Socket).on(
      'producer:closed',
      ({ producerId }: { producerId: string }) => {
        if (screens.has(producerId)) seen.closed.push(producerId);
      },
    );

    return seen;
  };

  beforeAll(async () => {
    meetingId = randomUUID();
    await server.db.query(
      `insert into meetings (id, patient_id, title, waiting_room)
       values ($1, 'patient-demo', 'Teammøte', false)`,
      [meetingId],
    );
  });

  it('starts and stops ten times in a row, each time one new and one closed notice for the others', async () => {
    const viewer = await joined('person-kari');
    const seen = countScreens(viewer.socket);
    // Per has no camera and no microphone: the screen is all they send.
    const sharer = await joined('person-per');
    const transportId = await sendTransport(sharer.socket);
    const started: string[] = [];

    for (let i = 0; i < 10; i++) {
      const shared = await shareScreen(sharer.socket, transportId, 1000 + i);

      if (!shared.ok) throw new Error(`share ${i} refused: ${shared.error.message}`);
      started.push(shared.data.producerId);
      expect(
        await ask(sharer.socket, 'media:closeProducer', { producerId: shared.data.producerId }),
      ).toEqual({ ok: true, data: {} });
    }

    await expect.poll(() => seen.closed).toHaveLength(10);
    // A moment more, for a notice that should not come.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen).toEqual({ opened: started, closed: started });
    expect((await server.media.stats()).producers).toBe(0);
    expect(server.meetings.meeting(meetingId)?.peer(sharer.peerId)?.producers.size).toBe(0);
  });

  it('refuses a second screen from the same person, also when both are asked for at once', async () => {
    const sharer = await joined('person-per');
    const transportId = await sendTransport(sharer.socket);
    const both = await Promise.all([
      shareScreen(sharer.socket, transportId, 2001),
      shareScreen(sharer.socket, transportId, 2002),
    ]);

    expect(both.filter((a) => a.ok)).toHaveLength(1);
    expect(both.find((a) => !a.ok)).toEqual({
      ok: false,
      error: {
        code: 'invalid_request',
        message: 'a screen is being sent already',
        details: { reason: 'already_sending', source: 'screen' },
      },
    });
    expect(await shareScreen(sharer.socket, transportId, 2003)).toMatchObject({
      ok: false,
      error: { details: { reason: 'already_sending' } },
    });
    expect((await server.media.stats()).producers).toBe(1);

    // Someone else shares at the same time.
    const other = await joined('person-ola');

    expect(await shareScreen(other.socket, await sendTransport(other.socket), 2004)).toMatchObject({
      ok: true,
    });
  });

  it('tells everyone once when a screen goes with its transport, its owner too', async () => {
    const viewer = await joined('person-kari');
    const seen = countScreens(viewer.socket);
    const sharer = await joined('person-per');
    const ownNotices: unknown[] = [];

    (sharer.socket as unknown as Socket).on('producer:closed', (e: unknown) => ownNotices.push(e));

    const transportId = await sendTransport(sharer.socket);
    const shared = await shareScreen(sharer.socket, transportId, 3001);

    if (!shared.ok) throw new Error('share refused');

    transports.get(transportId)!.close();

    await expect.poll(() => seen.closed).toEqual([shared.data.producerId]);
    await expect.poll(() => ownNotices).toHaveLength(1);
    expect(
      await ask(sharer.socket, 'media:closeProducer', { producerId: shared.data.producerId }),
    ).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seen.closed).toHaveLength(1);

    // Sharing again works at once, on a new transport.
    expect(
      await shareScreen(sharer.socket, await sendTransport(sharer.socket), 3002),
    ).toMatchObject({ ok: true });
  });
});
