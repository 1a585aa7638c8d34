import { RequestError } from './request.ts';
import { Store } from './Store.ts';

/**
 * Share of a token's remaining life after which it is renewed. The last quarter is the margin for
 * a tab whose timers ran late (throttled in the background, or a laptop that slept).
 */
const RENEW_AFTER_SHARE = 0.75;

/** Wait before trying again after a renewal that got no answer. */
const RETRY_DELAY_MS = 10_000;

/** Longest wait between two looks at the clock. */
const CHECK_EVERY_MS = 60_000;

export interface AccessState {
  /**
   * `valid` while renewals keep the token going; `ending` once the server refused to renew it
   * (the longest session is reached) and it runs out at `expiresAt`; `ended` once it has.
   */
  status: 'valid' | 'ending' | 'ended';
  /** When the token in hand expires, in milliseconds since the epoch; null if it does not say. */
  expiresAt: number | null;
}

export interface AccessTokenOptions {
  /** The link's own token, tried when the current one can no longer be renewed. */
  link?: string | null;
  /** Where renewed tokens are kept, so that a reload carries on with them. */
  storage?: Storage | null;
  storageKey?: string;
  fetch?: typeof fetch;
}

/**
 * The access token of one tab, kept fresh: it is exchanged for a new one (POST /api/token/renew)
 * before it expires, for as long as anyone holds it. Renewal never widens what the token allows;
 * the server keeps the claims and stops renewing once the longest session is reached.
 *
 * The link's own token is kept too, and used when the current one expired before it could be
 * renewed (a laptop that slept): that gives nothing the person could not get by opening the link
 * again, and spares them doing so.
 */
export class AccessToken {
  readonly state: Store<AccessState>;
  #token: string;
  readonly #link: string | null;
  readonly #storage: Storage | null;
  readonly #storageKey: string | null;
  readonly #fetch: typeof fetch;
  readonly #listeners = new Set<(token: string) => void>();
  #holders = 0;
  #renewAt: number | null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #renewing: Promise<string> | null = null;

  constructor(token: string, options: AccessTokenOptions = {}) {
    this.#token = token;
    this.#link = options.link ?? null;
    this.#storage = options.storage ?? null;
    this.#storageKey = options.storageKey ?? null;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#renewAt = renewalTime(token);
    this.state = new Store<AccessState>({ status: 'valid', expiresAt: expiryOf(token) });
  }

  /**
   * The token of a meeting's link: the one in the link just opened, else the one this tab kept.
   * Null when there is neither.
   */
  static forMeeting(
    meetingId: string,
    fromLink: string | null,
    storage: Storage = sessionStorage,
  ): AccessToken | null {
    const key = `teamrom.token.${meetingId}`;
    const linkKey = `${key}.link`;

    if (fromLink) {
      storage.setItem(key, fromLink);
      storage.setItem(linkKey, fromLink);
    }

    const kept = storage.getItem(key);
    const link = storage.getItem(linkKey);
    // After a long sleep the kept token may be over while the link still holds.
    const token = kept && link && hasPassed(expiryOf(kept)) ? link : (kept ?? link);

    return token ? new AccessToken(token, { link, storage, storageKey: key }) : null;
  }

  get current(): string {
    return this.#token;
  }

  /** Whether the token in hand has expired, by this machine's clock. */
  get hasExpired(): boolean {
    return hasPassed(this.state.get().expiresAt);
  }

  /** Calls `listener` with every renewed token; returns the function that stops it. */
  onRenewed(listener: (token: string) => void): () => void {
    this.#listeners.add(listener);

    return () => this.#listeners.delete(listener);
  }

  /** Keeps the token renewed until every holder has let go; returns the function that lets go. */
  hold(): () => void {
    let isHeld = true;

    if (this.#holders++ === 0) {
      globalThis.addEventListener?.('online', this.#tick);
      globalThis.document?.addEventListener('visibilitychange', this.#tick);
      this.#tick();
    }

    return () => {
      if (!isHeld) return;

      isHeld = false;
      if (--this.#holders > 0) return;

      globalThis.removeEventListener?.('online', this.#tick);
      globalThis.document?.removeEventListener('visibilitychange', this.#tick);
      this.#clearTimer();
    };
  }

  /**
   * Exchanges the token for a fresh one now. Calls made while one is under way share it. Rejects
   * with RequestError `unauthorized` when the server will not renew (state says why), or
   * `timeout` or `internal` when it could not be asked; then it tries again by itself.
   */
  renew(): Promise<string> {
    if (this.state.get().status !== 'valid') {
      return Promise.reject(new RequestError('unauthorized', 'the access token cannot be renewed'));
    }

    this.#renewing ??= this.#exchange().finally(() => {
      this.#renewing = null;
      this.#arm();
    });

    return this.#renewing;
  }

  /**
   * fetch() with the current token as bearer. A request refused with 401 is sent once more after
   * renewing, for a token that expired while the tab slept.
   */
  async fetch(input: string, init: RequestInit = {}): Promise<Response> {
    const send = () => {
      const headers = new Headers(init.headers);

      headers.set('authorization', `Bearer ${this.#token}`);

      return this.#fetch(input, { ...init, headers });
    };
    const response = await send();

    if (response.status !== 401) return response;

    try {
      await this.renew();
    } catch {
      return response;
    }

    return send();
  }

  async #exchange(): Promise<string> {
    // The link is the fallback for a current token that expired before it could be renewed.
    const candidates = [this.#token];

    if (this.#link && this.#link !== this.#token && !hasPassed(expiryOf(this.#link))) {
      candidates.push(this.#link);
    }

    for (const candidate of candidates) {
      let response: Response;

      try {
        response = await this.#fetch('/api/token/renew', {
          method: 'POST',
          headers: { authorization: `Bearer ${candidate}` },
        });
      } catch {
        this.#renewAt = Date.now() + RETRY_DELAY_MS;
        throw new RequestError('timeout', 'the access token could not be renewed');
      }

      if (response.ok) {
        const { token } = (await response.json()) as { token: string };

        this.#take(token);

        return token;
      }
      if (response.status !== 401) {
        this.#renewAt = Date.now() + RETRY_DELAY_MS;
        throw new RequestError('internal', `renewing the access token failed (${response.status})`);
      }
    }

    // Renewing is over for good: the token runs until it expires, and access ends then.
    this.#renewAt = null;
    this.state.update({ status: this.hasExpired ? 'ended' : 'ending' });
    throw new RequestError('unauthorized', 'the access token cannot be renewed');
  }

  #take(token: string): void {
    this.#token = token;
    this.#renewAt = renewalTime(token);
    try {
      if (this.#storage && this.#storageKey) this.#storage.setItem(this.#storageKey, token);
    } catch {
      // Storage full or blocked: only a reload loses the fresh token, and it falls back to the link.
    }
    this.state.update({ status: 'valid', expiresAt: expiryOf(token) });
    for (const listener of this.#listeners) listener(token);
  }

  /**
   * Renews when it is time, and ends access when an unrenewable token runs out. Runs on a timer
   * and whenever the tab wakes or comes online: timers run late in a hidden or sleeping tab.
   */
  #tick = () => {
    const { status, expiresAt } = this.state.get();

    if (status === 'ending' && hasPassed(expiresAt)) this.state.update({ status: 'ended' });
    if (status === 'valid' && this.#renewAt !== null && Date.now() >= this.#renewAt) {
      this.renew().catch(() => {
        // Dealt with in #exchange: tried again later, or the state says access is ending.
      });
    }
    this.#arm();
  };

  #arm(): void {
    this.#clearTimer();
    if (this.#holders === 0 || this.#renewing) return;

    const { status, expiresAt } = this.state.get();
    const next = status === 'valid' ? this.#renewAt : status === 'ending' ? expiresAt : null;

    if (next === null) return;

    // Checked at least once a minute, so that time spent asleep is noticed soon after waking.
    this.#timer = setTimeout(this.#tick, Math.min(Math.max(0, next - Date.now()), CHECK_EVERY_MS));
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** The token's claims, read without checking the signature: the server does that. */
function claimsOf(token: string): { exp?: unknown; iat?: unknown } | null {
  try {
    const payload = token.split('.')[1] ?? '';

    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as object;
  } catch {
    return null;
  }
}

function expiryOf(token: string): number | null {
  const exp = claimsOf(token)?.exp;

  return typeof exp === 'number' ? exp * 1000 : null;
}

/**
 * When to renew: three quarters into the time left. A token's own lifetime (exp - iat, both the
 * server's clock) bounds the time left, so a slow clock here does not make renewal late.
 */
function renewalTime(token: string): number | null {
  const claims = claimsOf(token);

  if (typeof claims?.exp !== 'number') return null;

  const now = Date.now();
  const left = claims.exp * 1000 - now;
  const lifetime = typeof claims.iat === 'number' ? (claims.exp - claims.iat) * 1000 : left;

  return now + Math.max(0, Math.min(left, lifetime)) * RENEW_AFTER_SHARE;
}

function hasPassed(time: number | null): boolean {
  return time !== null && Date.now() >= time;
}
