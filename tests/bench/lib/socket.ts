import type { Socket } from 'socket.io-client';
import { io } from 'socket.io-client';

/** How long a benchmark waits for any one answer before calling it a failure. */
export const TIMEOUT_MS = 10_000;

interface Ack<T> {
  ok: boolean;
  data?: T;
  error?: { code: string; message: string };
}

/** A Socket.io client over WebSocket only, without reconnection: a failure is a failure. */
export async function connect(url: string, token: string): Promise<Socket> {
  const socket = io(url, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });

  return socket;
}

/** Sends a request and returns its data, or throws with the server's error code. */
export async function request<T = unknown>(
  socket: Socket,
  event: string,
  payload: object,
): Promise<T> {
  const ack = (await socket.timeout(TIMEOUT_MS).emitWithAck(event, payload)) as Ack<T>;

  if (!ack.ok) throw new Error(`${event}: ${ack.error?.code} ${ack.error?.message}`);

  return ack.data as T;
}
