import { z } from 'zod';

/*
 * ICE servers for a participant's transports. A patient on a weak rural link, or a team member
 * behind a hospital firewall that lets little but TLS on port 443 through, may not reach the media
 * server directly; a TURN server relays for them. Its credentials are short-lived (the TURN REST
 * scheme): the client asks for them each time it creates a transport, and again before they run
 * out.
 */

/** One TURN server entry, as RTCPeerConnection takes it. */
export interface IceServer {
  /** `turn:` and `turns:` URLs, e.g. `turns:turn.example:443?transport=tcp`. */
  urls: string[];
  /** `<expiry, seconds since the epoch>:<opaque id>`; never a name. */
  username: string;
  /** base64(HMAC-SHA1(shared secret, username)). */
  credential: string;
}

export interface IceServersReply {
  /** Empty when the installation has no TURN server: the media server is reached directly. */
  iceServers: IceServer[];
  /** `relay` forces all media through TURN (TURN_FORCE_RELAY, for testing the relay path). */
  iceTransportPolicy: 'all' | 'relay';
  /** When the credentials stop being accepted for new allocations (ISO 8601); null without TURN. */
  expiresAt: string | null;
  /**
   * The same as seconds from now. A client counts from when it got the reply, so that a device
   * whose clock is wrong still renews its credentials in time.
   */
  ttlSeconds: number | null;
}

export const iceRequestSchemas = {
  /**
   * Fresh ICE servers for this participant's transports. Only for someone in a meeting: TURN
   * credentials are never handed to a connection that has no media to relay.
   */
  'media:iceServers': z.object({}),
} as const;

export interface IceReplies {
  'media:iceServers': IceServersReply;
}
