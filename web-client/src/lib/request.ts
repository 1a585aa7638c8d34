import type { Socket } from 'socket.io-client';

import type {
  Ack,
  ErrorBody,
  ReplyMap,
  RequestName,
  RequestPayload,
} from '@teamrom/signaling/protocol';

/** How long any request waits for the server's acknowledgement. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** A failed request: the server's error code and message, or `timeout` when no answer came. */
export class RequestError extends Error {
  readonly code: ErrorBody['code'] | 'timeout';
  readonly details: unknown;

  constructor(code: ErrorBody['code'] | 'timeout', message: string, details?: unknown) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.details = details;
  }
}

/** How the requests on each socket get a usable token back; see recoverTokenWith(). */
const tokenRecovery = new WeakMap<Socket, () => Promise<void>>();

/**
 * Lets requests on `socket` outlive an expired token. A request refused with `unauthorized` (the
 * server refuses every event once the connection's token has expired) runs `recover` once, which
 * is to give the connection a fresh token, and is then sent again; if `recover` fails, the
 * request fails with the original refusal.
 */
export function recoverTokenWith(socket: Socket, recover: () => Promise<void>): void {
  tokenRecovery.set(socket, recover);
}

/**
 * Sends one typed request and resolves with the server's reply, or rejects with RequestError.
 * Nothing is queued while offline: a request made without a connection, or cut off by a lost
 * connection, fails at once with `timeout`, and its caller decides whether to send it again.
 */
export async function request<E extends RequestName>(
  socket: Socket,
  event: E,
  payload: RequestPayload<E>,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<ReplyMap[E]> {
  try {
    return await send(socket, event, payload, timeoutMs);
  } catch (error) {
    const recover = tokenRecovery.get(socket);

    // auth:renew is how a token is recovered; a refusal of it is final.
    if (
      !(error instanceof RequestError) ||
      error.code !== 'unauthorized' ||
      !recover ||
      event === 'auth:renew'
    ) {
      throw error;
    }

    try {
      await recover();
    } catch {
      throw error;
    }

    // Refused before any handler ran, so sending it again does nothing twice.
    return send(socket, event, payload, timeoutMs);
  }
}

function send<E extends RequestName>(
  socket: Socket,
  event: E,
  payload: RequestPayload<E>,
  timeoutMs: number,
): Promise<ReplyMap[E]> {
  return new Promise((resolve, reject) => {
    if (!socket.connected) {
      reject(new RequestError('timeout', `not connected; ${event} not sent`));

      return;
    }

    const settle = () => {
      clearTimeout(timer);
      socket.off('disconnect', onDisconnect);
    };
    const onDisconnect = () => {
      settle();
      reject(new RequestError('timeout', `connection lost during ${event}`));
    };
    const timer = setTimeout(() => {
      settle();
      reject(new RequestError('timeout', `no answer to ${event}`));
    }, timeoutMs);

    socket.once('disconnect', onDisconnect);
    socket.emit(event, payload, (ack: Ack<ReplyMap[E]>) => {
      settle();
      if (ack.ok) resolve(ack.data);
      else reject(new RequestError(ack.error.code, ack.error.message, ack.error.details));
    });
  });
}

/** A random UUID also where crypto.randomUUID is missing (pages not served over HTTPS). */
export function uuid(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();

  const b = crypto.getRandomValues(new Uint8Array(16));

  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;

  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');

  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
