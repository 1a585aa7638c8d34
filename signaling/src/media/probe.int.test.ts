import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { ProbeOptions, ProbeResult } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, startTestServer } from '../testing/harness.ts';

/*
 * The connection check through the gateway, against a real mediasoup worker. Sending test media
 * needs a browser's ICE and DTLS: tests/e2e/connection-check.e2e.test.ts shows a check passing in
 * Chromium, and failing where media cannot get through.
 */

const VP8 = {
  mid: '0',
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }],
  encodings: [{ ssrc: 11111111 }],
};

const DTLS = {
  role: 'client',
  fingerprints: [{ algorithm: 'sha-256', value: `${'AB:'.repeat(31)}AB` }],
};

describe('the connection check', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const connect = async (personId: string, options: { meetingId?: string } = {}) => {
    const socket = await connectClient(server.url, server.tokenFor(personId, options));

    sockets.push(socket);

    return socket;
  };

  const rooms = async () => (await server.media.stats()).rooms;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    // Every test starts with no check open.
    await expect.poll(rooms).toBe(0);
  });

  afterAll(async () => {
    await server.stop();
  });

  it('is opened for someone in no meeting, with a router, a send transport and no TURN', async () => {
    // A patient in the waiting room has a link for one meeting and has joined nothing.
    const socket = await connect('person-astrid', { meetingId: 'demo' });
    const ack = await ask<ProbeOptions>(socket, 'media:probe', {});

    if (!ack.ok) throw new Error(ack.error.code);
    expect(ack.data.routerRtpCapabilities.codecs?.map((c) => c.mimeType)).toContain('video/VP8');
    expect(ack.data.transport).toMatchObject({
      id: expect.any(String),
      iceParameters: { usernameFragment: expect.any(String) },
      dtlsParameters: { fingerprints: expect.any(Array) },
    });
    expect(ack.data.transport.iceCandidates.length).toBeGreaterThan(0);
    expect(ack.data.ice).toEqual({
      iceServers: [],
      iceTransportPolicy: 'all',
      expiresAt: null,
      ttlSeconds: null,
    });
    expect(Date.parse(ack.data.expiresAt) - Date.now()).toBeGreaterThan(25_000);
    expect(await rooms()).toBe(1);
    // The check's room is no meeting.
    expect(server.meetings.meetingCount).toBe(0);
  });

  it('runs one check at a time on a connection, and another once it is closed', async () => {
    const socket = await connect('person-ola');
    const [first, second] = await Promise.all([
      ask(socket, 'media:probe', {}),
      ask(socket, 'media:probe', {}),
    ]);

    expect([first.ok, second.ok].sort()).toEqual([false, true]);
    expect([first, second].find((a) => !a.ok)).toMatchObject({
      error: { code: 'invalid_request' },
    });
    expect(await rooms()).toBe(1);

    expect(await ask(socket, 'media:probeClose', {})).toEqual({ ok: true, data: {} });
    expect(await rooms()).toBe(0);
    expect(await ask(socket, 'media:probe', {})).toMatchObject({ ok: true });
  });

  it('refuses connecting, sending and measuring before a check is opened', async () => {
    const socket = await connect('person-ingrid');

    for (const [event, payload] of [
      ['media:probeConnect', { dtlsParameters: DTLS }],
      ['media:probeProduce', { kind: 'video', rtpParameters: VP8 }],
      ['media:probeResult', {}],
    ] as const) {
      expect(await ask(socket, event, payload), event).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    }
  });

  it('refuses parameters it cannot use, and a second track of a kind', async () => {
    const socket = await connect('person-per');

    await ask(socket, 'media:probe', {});
    expect(
      await ask(socket, 'media:probeConnect', { dtlsParameters: { fingerprints: [] } }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(
      await ask(socket, 'media:probeProduce', {
        kind: 'video',
        rtpParameters: { ...VP8, codecs: [{ ...VP8.codecs[0], mimeType: 'video/H265' }] },
      }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    expect(
      await ask(socket, 'media:probeProduce', { kind: 'video', rtpParameters: VP8 }),
    ).toMatchObject({ ok: true, data: { producerId: expect.any(String) } });
    expect(
      await ask(socket, 'media:probeProduce', {
        kind: 'video',
        rtpParameters: { ...VP8, mid: '1', encodings: [{ ssrc: 22222222 }] },
      }),
    ).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
  });

  it('answers, after waiting, that nothing arrived over a transport that never connected', async () => {
    const socket = await connect('person-kari');

    await ask(socket, 'media:probe', {});
    expect(await ask(socket, 'media:probeConnect', { dtlsParameters: DTLS })).toMatchObject({
      ok: true,
    });
    await ask(socket, 'media:probeProduce', { kind: 'video', rtpParameters: VP8 });

    const startedAt = Date.now();
    const ack = await ask<ProbeResult>(socket, 'media:probeResult', { waitMs: 600 });

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(550);
    expect(ack).toEqual({
      ok: true,
      data: { isConnected: false, hasMediaArrived: false, iceState: 'new', dtlsState: 'new' },
    });
  });

  it('closes the check when its connection drops', async () => {
    const socket = await connect('person-liv');

    await ask(socket, 'media:probe', {});
    expect(await rooms()).toBe(1);

    socket.close();
    await expect.poll(rooms).toBe(0);
  });

  it("refuses a person's sixth check within a minute, on any connection, but not another's", async () => {
    const person = 'person-rate-limited';

    for (let i = 0; i < 5; i += 1) {
      const socket = await connect(person);

      expect(await ask(socket, 'media:probe', {})).toMatchObject({ ok: true });
      socket.close();
    }

    const sixth = await ask(await connect(person), 'media:probe', {});

    expect(sixth).toMatchObject({
      ok: false,
      error: { code: 'rate_limited', details: { retryAfterSeconds: expect.any(Number) } },
    });
    expect(await ask(await connect('person-someone-else'), 'media:probe', {})).toMatchObject({
      ok: true,
    });
  });
});

describe('a connection check whose time is up', () => {
  let server: TestServer;
  let socket: TestSocket;

  beforeAll(async () => {
    server = await startTestServer({
      probeLifetimeMs: 500,
      env: {
        TURN_URLS: 'turn:127.0.0.1:3478?transport=udp',
        TURN_SECRET: 'a-secret-shared-with-coturn-0123456789abcdef',
      },
    });
  });

  afterAll(async () => {
    socket?.close();
    await server.stop();
  });

  it('hands out TURN credentials that last about as long as the check', async () => {
    socket = await connectClient(server.url, server.tokenFor('person-ola'));

    const ack = await ask<ProbeOptions>(socket, 'media:probe', {});

    if (!ack.ok) throw new Error(ack.error.code);
    expect(ack.data.ice).toMatchObject({
      iceServers: [{ urls: ['turn:127.0.0.1:3478?transport=udp'] }],
      ttlSeconds: 31,
    });
    // The username names the check's own random id, never the person.
    expect(ack.data.ice.iceServers[0]!.username).toMatch(/^\d+:[0-9a-f-]{36}$/);
    expect(ack.data.ice.iceServers[0]!.username).not.toContain('person-ola');
  });

  it('is closed by the server, room and all, and the connection may start another', async () => {
    await expect.poll(async () => (await server.media.stats()).rooms).toBe(0);
    expect(await ask(socket, 'media:probeResult', {})).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await ask(socket, 'media:probe', {})).toMatchObject({ ok: true });
  });
});
