export type MediaErrorCode = 'not_found' | 'invalid' | 'capacity' | 'closed' | 'cannot_consume';

/** An error the media node reports to its caller with a stable code. */
export class MediaError extends Error {
  readonly code: MediaErrorCode;

  constructor(code: MediaErrorCode, message: string) {
    super(message);
    this.name = 'MediaError';
    this.code = code;
  }
}
