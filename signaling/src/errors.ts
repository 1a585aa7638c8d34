import { MediaError } from '@teamrom/sfu-server';

import type { ErrorBody, ErrorCode } from './protocol/index.ts';
import type { Logger } from './logger.ts';

/** An error meant for the client: a stable code, a plain message, optional detail. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }
}

const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  not_in_meeting: 409,
  meeting_full: 409,
  capacity: 503,
  plan_conflict: 409,
  link_not_open_yet: 403,
  link_closed: 410,
  meeting_cancelled: 410,
  link_used_elsewhere: 403,
  rate_limited: 429,
  media_error: 502,
  internal: 500,
};

export function httpStatus(code: ErrorCode): number {
  return HTTP_STATUS[code];
}

/**
 * Turns any error into what the client is told. Errors we did not anticipate are logged and
 * answered with a generic message; their text may hold internals and never leaves the server.
 */
export function toErrorBody(error: unknown, log: Logger): ErrorBody {
  if (error instanceof AppError) {
    return error.details === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, details: error.details };
  }

  if (error instanceof MediaError) {
    switch (error.code) {
      case 'not_found':
        return { code: 'not_found', message: error.message };
      case 'capacity':
        return { code: 'capacity', message: error.message };
      case 'invalid':
        log.warn({ reason: error.message }, 'media parameters refused');

        return { code: 'invalid_request', message: 'invalid media parameters' };
      case 'cannot_consume':
        return { code: 'invalid_request', message: error.message };
      case 'closed':
        return { code: 'not_in_meeting', message: error.message };
      case 'unavailable':
        log.warn({ reason: error.message }, 'media node unavailable');

        return { code: 'media_error', message: 'the media server is not reachable; try again' };
    }
  }

  log.error({ err: error }, 'unexpected error');

  return { code: 'internal', message: 'something went wrong on the server' };
}
