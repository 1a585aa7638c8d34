import { io } from 'socket.io-client';

export type ConnectionResult = 'ok' | 'blocked' | 'refused' | 'unsupported';

/** How long the check waits for Teamrom to answer. */
const PROBE_TIMEOUT_MS = 10_000;

/**
 * Checks that this device can reach Teamrom the way a meeting does: a WebSocket to the
 * signalling server with the person's token, and a browser able to make WebRTC connections.
 *
 * LIMITATION: the server offers no way to test the path to the media server before joining (a
 * transport can only be made inside a meeting); a network that lets the WebSocket through but
 * blocks media is found only after joining, when the meeting says so after 15 seconds.
 */
export function probeConnection(token: string): Promise<ConnectionResult> {
  if (typeof RTCPeerConnection !== 'function') return Promise.resolve('unsupported');

  return new Promise((resolve) => {
    const socket = io({
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      timeout: PROBE_TIMEOUT_MS,
      forceNew: true,
    });
    const finish = (result: ConnectionResult) => {
      clearTimeout(timer);
      socket.removeAllListeners();
      socket.disconnect();
      resolve(result);
    };
    const timer = setTimeout(() => finish('blocked'), PROBE_TIMEOUT_MS);

    socket.on('connect', () => finish('ok'));
    socket.on('connect_error', (error) => {
      const code = (error as Error & { data?: { code?: string } }).data?.code;

      finish(code ? 'refused' : 'blocked');
    });
  });
}
