import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';

import { RequestError } from '../lib/request.ts';
import { probeMedia } from './mediaProbe.ts';

/**
 * `blocked`: Teamrom cannot be reached at all; `mediaBlocked`: Teamrom can, but the picture and
 * sound of a call cannot get through (a network that blocks video calls); `untested`: the media
 * check could not be run just now.
 */
export type ConnectionResult =
  'ok' | 'blocked' | 'mediaBlocked' | 'refused' | 'untested' | 'unsupported';

/** How long the check waits for Teamrom to answer. */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Checks that this device can take part in a meeting: a WebSocket to the signalling server with
 * the person's token, then a test video through the media server (see probeMedia), each the way a
 * meeting makes it. Works before joining and while waiting to be let in.
 */
export async function probeConnection(token: string): Promise<ConnectionResult> {
  if (typeof RTCPeerConnection !== 'function') return 'unsupported';

  const socket = io({
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    timeout: CONNECT_TIMEOUT_MS,
    forceNew: true,
  });

  try {
    const reached = await reachSignalling(socket);

    return reached === 'ok' ? await probeMedia(socket) : reached;
  } catch (error) {
    if (!(error instanceof RequestError)) return 'untested';

    // The connection dropped, or the server stopped answering, part-way through.
    if (error.code === 'timeout') return 'blocked';

    return error.code === 'unauthorized' ? 'refused' : 'untested';
  } finally {
    socket.removeAllListeners();
    socket.disconnect();
  }
}

function reachSignalling(socket: Socket): Promise<'ok' | 'blocked' | 'refused'> {
  return new Promise((resolve) => {
    const finish = (result: 'ok' | 'blocked' | 'refused') => {
      clearTimeout(timer);
      socket.off('connect');
      socket.off('connect_error');
      resolve(result);
    };
    const timer = setTimeout(() => finish('blocked'), CONNECT_TIMEOUT_MS);

    socket.on('connect', () => finish('ok'));
    socket.on('connect_error', (error) => {
      const code = (error as Error & { data?: { code?: string } }).data?.code;

      finish(code ? 'refused' : 'blocked');
    });
  });
}
