import jwt from 'jsonwebtoken';
import { io } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { TestServer } from '../../signaling/src/testing/harness.ts';
import { ask, startTestServer } from '../../signaling/src/testing/harness.ts';
import { AccessToken } from '../../web-client/src/lib/AccessToken.ts';
import { request } from '../../web-client/src/lib/request.ts';
import { ConnectionToken } from '../../web-client/src/meeting/ConnectionToken.ts';
import type { TeamromSocket } from '../../web-client/src/meeting/MeetingSession.ts';

/*
 * The web client's token renewal, run in Node against a real server with short-lived tokens: a
 * call goes on past the life of the link's token, on the same connection, as the same peer.
 */

const SECRET = 'a-secret-for-the-client-renewal-tests-0123456789';
/** The shortest lifetime the server allows for renewed tokens. */
const TOKEN_SECONDS = 5;
const MAX_SESSION_SECONDS = 60;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe("the web client's token renewal", () => {
  let server: TestServer;
  const closing: (() => void)[] = [];

  /** A client as MeetingSession sets it up: a socket whose token a ConnectionToken keeps fresh. */
  const openClient = async (token: AccessToken) => {
    const socket: TeamromSocket = io(server.url, {
      autoConnect: false,
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    const connectionToken = new ConnectionToken(socket, token);

    closing.push(() => {
      connectionToken.close();
      socket.close();
    });
    socket.connect();
    await new Promise((resolve) => socket.once('connect', () => resolve(null)));

    const reply = await request(socket, 'meeting:join', { meetingId: 'demo' });

    return { socket, reply };
  };

  const accessToken = (token: string, options: { link?: string; isOnline?: () => boolean } = {}) =>
    new AccessToken(token, {
      link: options.link ?? null,
      fetch: async (input, init) => {
        if (options.isOnline && !options.isOnline()) throw new TypeError('fetch failed');

        return fetch(new URL(input as string, server.url), init);
      },
    });

  const peersOf = (personId: string) =>
    (server.meetings.meeting('demo')?.peers() ?? [])
      .filter((peer) => peer.actor.personId === personId)
      .map((peer) => peer.id);

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        JWT_SECRET: SECRET,
        TOKEN_SECONDS: String(TOKEN_SECONDS),
        MAX_SESSION_SECONDS: String(MAX_SESSION_SECONDS),
      },
    });
  });

  afterEach(() => {
    for (const close of closing.splice(0)) close();
  });

  afterAll(async () => {
    await server.stop();
  });

  it('keeps one connection working past several token lifetimes, as the same single peer', async () => {
    const token = accessToken(server.tokenFor('person-ingrid', { seconds: 2, meetingId: 'demo' }));
    const renewals: string[] = [];

    token.onRenewed((fresh) => renewals.push(fresh));

    const { socket, reply } = await openClient(token);
    const socketId = socket.id;

    // Probed without request()'s recovery: the connection's token must never run out at all.
    for (let second = 0; second < 9; second++) {
      await sleep(1000);
      expect(
        await ask(socket, 'media:setRtpCapabilities', {
          rtpCapabilities: reply.routerRtpCapabilities,
        }),
        `after ${second + 1} s`,
      ).toEqual({ ok: true, data: {} });
    }

    expect(renewals.length).toBeGreaterThanOrEqual(2);
    expect(server.tokens.verify(token.current)).toMatchObject({
      sub: 'person-ingrid',
      meetingId: 'demo',
    });
    expect(socket.id).toBe(socketId);
    expect(peersOf('person-ingrid')).toEqual([reply.self.peerId]);
  });

  it("sends a request refused after the tab slept once more, with a token renewed from the link's", async () => {
    let isOnline = true;
    const link = server.tokenFor('person-per', { seconds: 600, meetingId: 'demo' });
    const token = accessToken(server.tokenFor('person-per', { seconds: 2, meetingId: 'demo' }), {
      link,
      isOnline: () => isOnline,
    });
    const { socket, reply } = await openClient(token);

    // Asleep: renewal cannot reach the server, and the connection's token runs out meanwhile.
    isOnline = false;
    await sleep(2200);
    expect(
      await ask(socket, 'media:setRtpCapabilities', {
        rtpCapabilities: reply.routerRtpCapabilities,
      }),
    ).toMatchObject({ ok: false, error: { code: 'unauthorized' } });

    isOnline = true;

    expect(
      await request(socket, 'media:setRtpCapabilities', {
        rtpCapabilities: reply.routerRtpCapabilities as never,
      }),
    ).toEqual({});
    expect(token.current).not.toBe(link);
    expect(server.tokens.verify(token.current).authTime).toBe(server.tokens.verify(link).authTime);
    expect(peersOf('person-per')).toEqual([reply.self.peerId]);
  });

  it('says access is ending, then ended, once the longest session is reached, and then refuses', async () => {
    // Signed as if the link had been opened almost MAX_SESSION_SECONDS ago.
    const authTime = nowSeconds() - MAX_SESSION_SECONDS + 3;
    const link = jwt.sign(
      {
        sub: 'person-kari',
        role: 'coordinator',
        meetingId: 'demo',
        auth_time: authTime,
        exp: nowSeconds() + 2,
      },
      SECRET,
      { algorithm: 'HS256', issuer: 'teamrom' },
    );
    const token = accessToken(link, { link });
    const statuses: string[] = [];

    token.state.subscribe(() => statuses.push(token.state.get().status));

    const { socket, reply } = await openClient(token);

    await expect.poll(() => token.state.get().status, { timeout: 6000 }).toBe('ended');

    await expect(
      request(socket, 'media:setRtpCapabilities', {
        rtpCapabilities: reply.routerRtpCapabilities as never,
      }),
    ).rejects.toMatchObject({ code: 'unauthorized' });
    expect(statuses.filter((s, i) => s !== statuses[i - 1])).toEqual(['valid', 'ending', 'ended']);
    expect(token.state.get().expiresAt).toBeLessThanOrEqual(
      (authTime + MAX_SESSION_SECONDS) * 1000,
    );
  });
});
