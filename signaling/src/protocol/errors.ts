/**
 * Stable error codes shared by the HTTP API and the Socket.io gateway. Clients branch on the code;
 * the message is for people and may change.
 */
export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'not_in_meeting',
  'meeting_full',
  'capacity',
  'plan_conflict',
  /** A personal link used before its meeting's time; details say when it starts and opens. */
  'link_not_open_yet',
  /** A personal link used after its meeting (the last of its series) has ended. */
  'link_closed',
  /** The meeting was cancelled. */
  'meeting_cancelled',
  /** A personal link opened on another device than the first that used it. */
  'link_used_elsewhere',
  /** Too many of one request in a short time; wait a minute and try again. */
  'rate_limited',
  'media_error',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a failed acknowledgement or HTTP error body carries. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Extra machine-readable detail, such as the current value on a `plan_conflict`. */
  details?: unknown;
}

export type AckOk<T> = { ok: true; data: T };
export type AckError = { ok: false; error: ErrorBody };
export type Ack<T> = AckOk<T> | AckError;
export type AckCallback<T> = (response: Ack<T>) => void;
