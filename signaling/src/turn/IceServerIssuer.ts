import { createHmac } from 'node:crypto';

import type { TurnConfig } from '../config.ts';
import type { IceServersReply } from '../protocol/index.ts';

export interface TurnCredentials {
  username: string;
  credential: string;
}

/**
 * Credentials of the TURN REST scheme (draft-uberti-behave-turn-rest-00), which coturn checks with
 * `use-auth-secret`: the username carries its own expiry and the password is the username signed
 * with the secret shared with the TURN server. The TURN server needs no user database and never
 * calls Teamrom, and a credential copied out of a browser is worthless once it has expired.
 *
 * @param expiresAt seconds since the epoch
 * @param id an opaque id; it appears in the TURN server's logs, so never a name
 */
export function turnRestCredentials(
  secret: string,
  id: string,
  expiresAt: number,
): TurnCredentials {
  // coturn reads the expiry up to the first colon; one in the id would be harmless but confusing.
  if (id.includes(':')) throw new Error('a TURN credential id must not contain a colon');

  const username = `${expiresAt}:${id}`;
  const credential = createHmac('sha1', secret).update(username).digest('base64');

  return { username, credential };
}

/**
 * Hands participants the ICE servers for their transports, with fresh TURN credentials.
 *
 * LIMITATION: a credential cannot be withdrawn before it expires (TURN_TTL_SECONDS): someone
 * removed from a meeting can open relays for that long, to wherever the TURN server's peer rules
 * allow (with infra/coturn/turnserver.conf: the media server only, where they can no longer join).
 */
export class IceServerIssuer {
  readonly #turn: TurnConfig | null;

  constructor(turn: TurnConfig | null) {
    this.#turn = turn;
  }

  /**
   * ICE servers for one participant, `id` being their peer id (random, never a name). With
   * `ttlSeconds`, credentials that run out sooner than TURN_TTL_SECONDS (never later), for
   * something as short as a connection check.
   */
  issue(id: string, now = Date.now(), ttlSeconds?: number): IceServersReply {
    const turn = this.#turn;

    if (!turn)
      return { iceServers: [], iceTransportPolicy: 'all', expiresAt: null, ttlSeconds: null };

    const ttl = Math.min(ttlSeconds ?? turn.ttlSeconds, turn.ttlSeconds);
    const expiresAt = Math.floor(now / 1000) + ttl;
    const { username, credential } = turnRestCredentials(turn.secret, id, expiresAt);

    return {
      iceServers: [{ urls: turn.urls, username, credential }],
      iceTransportPolicy: turn.forceRelay ? 'relay' : 'all',
      expiresAt: new Date(expiresAt * 1000).toISOString(),
      ttlSeconds: ttl,
    };
  }
}
