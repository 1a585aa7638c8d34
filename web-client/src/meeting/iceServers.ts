import type { types } from 'mediasoup-client';
import type { Socket } from 'socket.io-client';

import type { IceServersReply } from '@teamrom/signaling/protocol';

import { request } from '../lib/request.ts';

/** Credentials are renewed at this share of their life, leaving room for a slow answer. */
const RENEW_AT_SHARE = 0.75;

/** After a failed renewal (offline for a moment), the next try. */
const RETRY_MS = 30_000;

/**
 * ICE servers with fresh TURN credentials. Asked for at every transport creation, so that a
 * rejoin, a reconnect or a media reset never starts with credentials that have run out.
 */
export async function fetchIceServers(socket: Socket): Promise<IceServersReply> {
  return request(socket, 'media:iceServers', {});
}

/**
 * Hands the transport fresh TURN credentials before its own run out, until it closes. The
 * connection in use keeps its TURN allocation; the fresh credentials are what the next ICE
 * restart (after a failure or a change of network) allocates with, as an expired one is refused.
 */
export function keepIceServersFresh(
  socket: Socket,
  transport: types.Transport,
  ice: IceServersReply,
): void {
  let timer: ReturnType<typeof setTimeout> | undefined;

  const renew = async () => {
    try {
      const fresh = await fetchIceServers(socket);

      if (transport.closed) return;

      await transport.updateIceServers({ iceServers: fresh.iceServers });
      schedule(fresh.ttlSeconds);
    } catch {
      // Offline or leaving: a reconnect sets up new transports with credentials of their own.
      if (!transport.closed) timer = setTimeout(() => void renew(), RETRY_MS);
    }
  };
  const schedule = (ttlSeconds: number | null) => {
    if (ttlSeconds === null || transport.closed) return;

    timer = setTimeout(() => void renew(), ttlSeconds * 1000 * RENEW_AT_SHARE);
  };

  transport.observer.once('close', () => clearTimeout(timer));
  schedule(ice.ttlSeconds);
}
