import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { IceServersReply, JoinReply } from '../../signaling/src/protocol/index.ts';
import type { TestServer, TestSocket } from '../../signaling/src/testing/harness.ts';
import { ask, connectClient, startTestServer } from '../../signaling/src/testing/harness.ts';
import type { CoturnProcess } from '../lib/coturn.ts';
import { startCoturn } from '../lib/coturn.ts';
import { allocate, openRelay } from '../lib/turnClient.ts';

/*
 * Teamrom hands each participant short-lived TURN credentials; coturn, from Debian's package, is
 * the judge of whether they work, and for how long.
 */

const TTL_SECONDS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('TURN credentials', () => {
  let coturn: CoturnProcess;
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const connect = async (token: string) => {
    const socket = await connectClient(server.url, token);

    sockets.push(socket);

    return socket;
  };

  /** A nurse of the demo care team in the demo meeting: the socket and their peer id. */
  const joinAsNurse = async () => {
    const socket = await connect(server.tokenFor('person-ingrid'));
    const ack = await ask<JoinReply>(socket, 'meeting:join', { meetingId: 'demo' });

    if (!ack.ok) throw new Error(`join failed: ${ack.error.code}`);

    return { socket, peerId: ack.data.self.peerId };
  };

  const iceServersOf = async (socket: TestSocket) => {
    const ack = await ask<IceServersReply>(socket, 'media:iceServers', {});

    if (!ack.ok) throw new Error(`media:iceServers failed: ${ack.error.code}`);

    return ack.data;
  };

  beforeAll(async () => {
    // Nonces go stale within the test, as they do after 10 minutes with the production example.
    coturn = await startCoturn({ settings: ['stale-nonce=2'] });
    server = await startTestServer({
      env: {
        TURN_URLS: coturn.url,
        TURN_SECRET: coturn.secret,
        TURN_TTL_SECONDS: String(TTL_SECONDS),
      },
    });
  });

  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server?.stop();
    await coturn?.stop();
  });

  it('gives a participant credentials for the configured lifetime, naming no one', async () => {
    const { socket, peerId } = await joinAsNurse();
    const askedAt = nowSeconds();
    const reply = await iceServersOf(socket);
    const [turn] = reply.iceServers;
    const [expiry, id] = turn!.username.split(':');

    expect(reply.iceServers).toHaveLength(1);
    expect(turn!.urls).toEqual([coturn.url]);
    expect(reply.iceTransportPolicy).toBe('all');
    expect(reply.ttlSeconds).toBe(TTL_SECONDS);
    expect(Number(expiry) - askedAt).toBeGreaterThanOrEqual(TTL_SECONDS);
    expect(Number(expiry) - askedAt).toBeLessThanOrEqual(TTL_SECONDS + 1);
    expect(Date.parse(reply.expiresAt!)).toBe(Number(expiry) * 1000);
    // The peer id is random; the person's id (which holds a first name in the demo) is not there.
    expect(id).toBe(peerId);
    expect(turn!.username).not.toMatch(/ingrid/i);
  });

  it('gives credentials that open relays until they expire, and keeps open ones going', async () => {
    const { socket } = await joinAsNurse();
    const [first] = (await iceServersOf(socket)).iceServers;
    const expiry = Number(first!.username.split(':')[0]);
    const relay = await openRelay(coturn.port, first!);

    expect(relay.answer).toEqual({ ok: true });
    expect(await allocate(coturn.port, first!)).toEqual({ ok: true });

    while (nowSeconds() <= expiry) await sleep(250);

    expect(await allocate(coturn.port, first!)).toMatchObject({ ok: false, code: 401 });
    // A relay opened in time is refreshed after, through a stale nonce too: a call in progress
    // does not lose its media when the credentials it started with expire.
    expect(await relay.refresh()).toEqual({ ok: true });
    relay.close();

    // Asking again, as the client does for every new transport and before expiry, works again.
    const [fresh] = (await iceServersOf(socket)).iceServers;

    expect(fresh!.username).not.toBe(first!.username);
    expect(await allocate(coturn.port, fresh!)).toEqual({ ok: true });
    expect(await coturn.allocations()).toBeGreaterThanOrEqual(2);
  });

  it('refuses credentials signed with another secret', async () => {
    const { socket } = await joinAsNurse();
    const [issued] = (await iceServersOf(socket)).iceServers;
    const [, id] = issued!.username.split(':');
    // The same username with a later expiry and the old signature: coturn must see the forgery.
    const forged = { username: `${nowSeconds() + 3600}:${id}`, credential: issued!.credential };

    expect(await allocate(coturn.port, forged)).toMatchObject({ ok: false, code: 401 });
  });

  it('gives a caller without a token no connection, and so no credentials', async () => {
    const refused = await connectClient(server.url, undefined).then(
      () => null,
      (error: Error & { data?: { code?: string } }) => error.data?.code,
    );

    expect(refused).toBe('unauthorized');
  });

  it('gives a connection that is in no meeting no credentials', async () => {
    const socket = await connect(server.tokenFor('person-ingrid'));
    const ack = await ask<IceServersReply>(socket, 'media:iceServers', {});

    expect(ack).toMatchObject({ ok: false, error: { code: 'not_in_meeting' } });
  });

  it('gives a patient who waits to be let in no credentials yet', async () => {
    const socket = await connect(server.tokenFor('person-astrid'));
    const entered = await ask<{ status: string }>(socket, 'meeting:enter', { meetingId: 'demo' });

    expect(entered).toMatchObject({ ok: true, data: { status: 'waiting' } });
    expect(await ask(socket, 'media:iceServers', {})).toMatchObject({
      ok: false,
      error: { code: 'not_in_meeting' },
    });
  });
});
