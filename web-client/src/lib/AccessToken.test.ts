import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { AccessToken } from './AccessToken.ts';
import { RequestError } from './request.ts';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** A token shaped like the server's; the client reads its claims and never checks the signature. */
function tokenFor(claims: { exp: number; iat?: number; n?: number }): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: 'person-kari', ...claims })}.sig`;
}

/** A token that lasts `seconds` from now. */
const lasting = (seconds: number, n = 0) =>
  tokenFor({ iat: nowSeconds(), exp: nowSeconds() + seconds, n });

function memoryStorage(): Storage {
  const items = new Map<string, string>();

  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    clear: () => items.clear(),
    key: (index) => [...items.keys()][index] ?? null,
    get length() {
      return items.size;
    },
  };
}

/** A stand-in for the server's POST /api/token/renew: answers with `answer(bearer)`. */
function renewalServer(answer: (bearer: string) => Response | Promise<Response>) {
  return vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
    const bearer = new Headers(init?.headers).get('authorization')?.replace('Bearer ', '') ?? '';

    return answer(bearer);
  });
}

const renewed = (token: string) => Response.json({ token, expiresAt: '' });
const refused = () => Response.json({ code: 'unauthorized', message: 'no more' }, { status: 401 });

describe('AccessToken', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews three quarters into the time left, and keeps the fresh token for a reload', async () => {
    const first = lasting(100);
    const fresh = lasting(100, 1);
    const storage = memoryStorage();
    const server = renewalServer(() => renewed(fresh));
    const token = new AccessToken(first, { fetch: server, storage, storageKey: 'key' });
    const handedOver = vi.fn();

    token.onRenewed(handedOver);
    token.hold();
    await vi.advanceTimersByTimeAsync(74_000);

    expect(server).not.toHaveBeenCalled();

    await vi.advanceTimersByTimeAsync(1_000);

    expect(server).toHaveBeenCalledTimes(1);
    expect(server.mock.calls[0]![0]).toBe('/api/token/renew');
    expect(new Headers(server.mock.calls[0]![1]?.headers).get('authorization')).toBe(
      `Bearer ${first}`,
    );
    expect(token.current).toBe(fresh);
    expect(storage.getItem('key')).toBe(fresh);
    expect(handedOver).toHaveBeenCalledWith(fresh);
    expect(token.state.get()).toEqual({ status: 'valid', expiresAt: (nowSeconds() + 25) * 1000 });
  });

  it('keeps renewing while it is held, and stops once every holder has let go', async () => {
    let n = 0;
    const server = renewalServer(() => renewed(lasting(40, ++n)));
    const token = new AccessToken(lasting(40), { fetch: server });
    const letGo = [token.hold(), token.hold()];

    await vi.advanceTimersByTimeAsync(100_000);

    expect(server).toHaveBeenCalledTimes(3);

    letGo[0]!();
    await vi.advanceTimersByTimeAsync(30_000);

    expect(server).toHaveBeenCalledTimes(4);

    letGo[1]!();
    await vi.advanceTimersByTimeAsync(300_000);

    expect(server).toHaveBeenCalledTimes(4);
  });

  it('does not renew late when this clock runs behind the server', async () => {
    // Issued just now by a server whose clock is 1000 s ahead, for 100 s.
    const ahead = tokenFor({ iat: nowSeconds() + 1000, exp: nowSeconds() + 1100 });
    const server = renewalServer(() => renewed(lasting(100, 1)));
    const token = new AccessToken(ahead, { fetch: server });

    token.hold();
    await vi.advanceTimersByTimeAsync(75_000);

    expect(server).toHaveBeenCalledTimes(1);
  });

  it('checks the clock when the tab comes back online, for timers that slept', async () => {
    const server = renewalServer(() => renewed(lasting(100, 1)));
    const token = new AccessToken(lasting(100), { fetch: server });
    const events = new EventTarget();

    vi.stubGlobal('addEventListener', events.addEventListener.bind(events));
    vi.stubGlobal('removeEventListener', events.removeEventListener.bind(events));
    try {
      token.hold();
      // The machine slept: the wall clock moved on, the timers did not.
      vi.setSystemTime(Date.now() + 80_000);
      events.dispatchEvent(new Event('online'));
      await vi.advanceTimersByTimeAsync(0);

      expect(server).toHaveBeenCalledTimes(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('shares one renewal among everyone asking at once', async () => {
    const server = renewalServer(() => renewed(lasting(100, 1)));
    const token = new AccessToken(lasting(100), { fetch: server });

    const answers = await Promise.all([token.renew(), token.renew(), token.renew()]);

    expect(new Set(answers).size).toBe(1);
    expect(server).toHaveBeenCalledTimes(1);
  });

  it("renews with the link's token when the current one expired while the tab slept", async () => {
    const link = lasting(3600);
    const expired = tokenFor({ iat: nowSeconds() - 120, exp: nowSeconds() - 60 });
    const fresh = lasting(100, 1);
    const server = renewalServer((bearer) => (bearer === link ? renewed(fresh) : refused()));
    const token = new AccessToken(expired, { link, fetch: server });

    expect(await token.renew()).toBe(fresh);
    expect(server).toHaveBeenCalledTimes(2);
    expect(token.state.get().status).toBe('valid');
  });

  it('says access is ending once the server renews no more, and that it ended when the token runs out', async () => {
    const server = renewalServer(() => refused());
    const token = new AccessToken(lasting(100), { fetch: server });

    token.hold();
    await vi.advanceTimersByTimeAsync(75_000);

    expect(token.state.get()).toEqual({
      status: 'ending',
      expiresAt: (nowSeconds() + 25) * 1000,
    });
    await expect(token.renew()).rejects.toMatchObject({ code: 'unauthorized' });

    await vi.advanceTimersByTimeAsync(25_000);

    expect(token.state.get().status).toBe('ended');
    expect(server).toHaveBeenCalledTimes(1);
  });

  it('tries again by itself after a renewal that got no answer', async () => {
    const fresh = lasting(100, 1);
    let isOnline = false;
    const server = renewalServer(() => {
      if (!isOnline) throw new TypeError('Failed to fetch');

      return renewed(fresh);
    });
    const token = new AccessToken(lasting(100), { fetch: server });

    token.hold();
    await expect(token.renew()).rejects.toEqual(expect.any(RequestError));
    isOnline = true;
    await vi.advanceTimersByTimeAsync(10_000);

    expect(token.current).toBe(fresh);
  });

  it('sends an HTTP request refused with 401 once more, with a renewed token', async () => {
    const first = lasting(100);
    const fresh = lasting(100, 1);
    const server = renewalServer((bearer) => {
      if (bearer === first) return refused();

      return Response.json({ bearer });
    });
    const renewals = vi.fn(async () => renewed(fresh));
    const token = new AccessToken(first, {
      fetch: (input, init) => (input === '/api/token/renew' ? renewals() : server(input, init)),
    });

    const response = await token.fetch('/api/careplans/plan-demo');

    expect(await response.json()).toEqual({ bearer: fresh });
    expect(renewals).toHaveBeenCalledTimes(1);
  });
});

describe('AccessToken.forMeeting', () => {
  it("keeps the link's token for this tab, and finds it again after a reload", () => {
    const storage = memoryStorage();
    const link = lasting(3600);

    expect(AccessToken.forMeeting('demo', link, storage)?.current).toBe(link);
    expect(AccessToken.forMeeting('demo', null, storage)?.current).toBe(link);
    expect(AccessToken.forMeeting('another', null, storage)).toBeNull();
  });

  it("starts from the link's token when the kept one has expired", () => {
    const storage = memoryStorage();
    const link = lasting(3600);

    AccessToken.forMeeting('demo', link, storage);
    storage.setItem('teamrom.token.demo', tokenFor({ exp: nowSeconds() - 1 }));

    expect(AccessToken.forMeeting('demo', null, storage)?.current).toBe(link);
  });
});
