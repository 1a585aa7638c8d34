import jwt from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type { JoinReply } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, startTestServer } from '../testing/harness.ts';

/*
 * A call outlives the token it started with: the client trades its token for a fresh one over
 * HTTP and hands that to its live connection, which carries on as the same peer.
 */

const SECRET = 'a-secret-for-the-token-renewal-tests-0123456789';
const TOKEN_SECONDS = 30;
const MAX_SESSION_SECONDS = 120;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token signed with the server's secret, with whatever claims a test needs. */
const signed = (claims: object) =>
  jwt.sign({ iat: nowSeconds(), exp: nowSeconds() + 600, ...claims }, SECRET, {
    algorithm: 'HS256',
    issuer: 'teamrom',
  });

describe('renewing an access token', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  const renewOverHttp = (token: string | undefined) =>
    fetch(`${server.url}/api/token/renew`, {
      method: 'POST',
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  const freshTokenFor = async (token: string) => {
    const res = await renewOverHttp(token);

    expect(res.status).toBe(200);

    return ((await res.json()) as { token: string }).token;
  };

  const connect = async (token: string) => {
    const socket = await connectClient(server.url, token);

    sockets.push(socket);

    return socket;
  };

  const join = async (token: string) => {
    const socket = await connect(token);
    const ack = await ask<JoinReply>(socket, 'meeting:join', { meetingId: 'demo' });

    if (!ack.ok) throw new Error(`join failed: ${ack.error.code}`);

    return { socket, peerId: ack.data.self.peerId };
  };

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
    for (const socket of sockets.splice(0)) socket.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  describe('over HTTP', () => {
    it('gives a token with the same claims and session start, and keeps it out of caches', async () => {
      const link = server.demoLinks!().find((l) => l.role === 'coordinator')!;
      const linkToken = new URL(link.url).hash.replace('#token=', '');

      const res = await renewOverHttp(linkToken);
      const body = (await res.json()) as { token: string; expiresAt: string };
      const before = server.tokens.verify(linkToken);
      const after = server.tokens.verify(body.token);

      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(before).toMatchObject({ sub: 'person-kari', meetingId: 'demo', demo: true });
      expect(after).toEqual({ ...before, exp: after.exp });
      expect(after.exp).toBeGreaterThanOrEqual(nowSeconds() + TOKEN_SECONDS - 1);
      expect(Date.parse(body.expiresAt)).toBe(after.exp * 1000);
    });

    it('refuses an expired, a forged or a missing token', async () => {
      const [header, payload] = server.tokenFor('person-ola').split('.');
      const refused = [
        server.tokenFor('person-ola', { seconds: -1 }),
        `${header}.${payload}.c2lnbmF0dXJlLW1hZGUtdXA`,
        jwt.sign({ sub: 'person-ola', role: 'nurse' }, 'x'.repeat(48), {
          algorithm: 'HS256',
          issuer: 'teamrom',
          expiresIn: 600,
        }),
        undefined,
      ];

      for (const token of refused) {
        const res = await renewOverHttp(token);

        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ code: 'unauthorized' });
      }
    });

    it('refuses once the longest session is over, and never renews past it', async () => {
      const over = signed({
        sub: 'person-ola',
        role: 'nurse',
        auth_time: nowSeconds() - MAX_SESSION_SECONDS,
      });
      const nearlyOver = signed({
        sub: 'person-ola',
        role: 'nurse',
        auth_time: nowSeconds() - MAX_SESSION_SECONDS + 10,
        exp: nowSeconds() + 5,
      });

      const refused = await renewOverHttp(over);
      const capped = server.tokens.verify(await freshTokenFor(nearlyOver));

      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({
        code: 'unauthorized',
        message: 'the session has reached its longest allowed length',
      });
      expect(capped.exp).toBe(capped.authTime + MAX_SESSION_SECONDS);
    });
  });

  describe('on a live connection', () => {
    it('refuses events once the token expires, and carries on as the same single peer after auth:renew', async () => {
      const observer = await join(server.tokenFor('person-kari'));
      const comings: string[] = [];

      observer.socket.on('peer:joined', (peer) => comings.push(`joined ${peer.peerId}`));
      observer.socket.on('peer:left', ({ peerId }) => comings.push(`left ${peerId}`));

      const short = server.tokenFor('person-ingrid', { seconds: 2, meetingId: 'demo' });
      const nurse = await join(short);
      const socketId = nurse.socket.id;
      const fresh = await freshTokenFor(short);

      await sleep(2100);

      expect(await ask(nurse.socket, 'media:createTransport', { direction: 'recv' })).toEqual({
        ok: false,
        error: { code: 'unauthorized', message: 'the access token has expired' },
      });
      expect(await ask(nurse.socket, 'auth:renew', { token: fresh })).toEqual({
        ok: true,
        data: { expiresAt: new Date(server.tokens.verify(fresh).exp * 1000).toISOString() },
      });
      expect(await ask(nurse.socket, 'media:createTransport', { direction: 'recv' })).toMatchObject(
        { ok: true },
      );
      expect(nurse.socket.id).toBe(socketId);
      expect(peersOf('person-ingrid')).toEqual([nurse.peerId]);
      // The others saw the nurse come once, and never leave.
      expect(comings).toEqual([`joined ${nurse.peerId}`]);
    });

    it('refuses a token of another person, or one granting anything else, and keeps its own', async () => {
      const own = server.tokenFor('person-ingrid', { seconds: 2, meetingId: 'demo' });
      const nurse = await join(own);
      const others = [
        server.tokenFor('person-per', { meetingId: 'demo' }),
        // Ingrid's, but for any meeting of her patients rather than this one.
        server.tokenFor('person-ingrid'),
        signed({ sub: 'person-ingrid', role: 'coordinator', meetingId: 'demo' }),
        signed({ sub: 'person-ingrid', role: 'nurse', meetingId: 'demo', demo: true }),
      ];

      for (const token of others) {
        expect(await ask(nurse.socket, 'auth:renew', { token })).toMatchObject({
          ok: false,
          error: { code: 'forbidden' },
        });
      }

      // Had any of them been taken, the connection would outlive its own two-second token.
      await sleep(2100);
      expect(await ask(nurse.socket, 'media:createTransport', { direction: 'recv' })).toMatchObject(
        { ok: false, error: { code: 'unauthorized' } },
      );
      expect(peersOf('person-ingrid')).toEqual([nurse.peerId]);
    });

    it('refuses an expired, a forged or a malformed token, and keeps its own', async () => {
      const own = server.tokenFor('person-ola');
      const socket = await connect(own);
      const [header, payload] = own.split('.');

      expect(
        await ask(socket, 'auth:renew', { token: server.tokenFor('person-ola', { seconds: -1 }) }),
      ).toEqual({
        ok: false,
        error: { code: 'unauthorized', message: 'the access token has expired' },
      });
      expect(
        await ask(socket, 'auth:renew', { token: `${header}.${payload}.c2lnbmF0dXJlLW1hZGUtdXA` }),
      ).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      expect(await ask(socket, 'auth:renew', { token: 42 })).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
      expect(await ask(socket, 'meeting:join', { meetingId: 'demo' })).toMatchObject({ ok: true });
    });
  });
});
