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
