export type MediaErrorCode =
  | 'not_found'
  | 'invalid'
  | 'capacity'
  | 'closed'
  | 'cannot_consume'
  /** The media node could not be reached, or did not answer in time (a media cluster only). */
  | 'unavailable';

export const MEDIA_ERROR_CODES: readonly MediaErrorCode[] = [
  'not_found',
  'invalid',
  'capacity',
  'closed',
  'cannot_consume',
  'unavailable',
];

/** An error the media node reports to its caller with a stable code. */
export class MediaError extends Error {
  readonly code: MediaErrorCode;

  constructor(code: MediaErrorCode, message: string) {
    super(message);
    this.name = 'MediaError';
    this.code = code;
  }
}

/**
 * A media setting that cannot work on this machine, found while the node starts. Starting anyway
 * would give calls that connect but carry no media, so the node refuses to start instead.
 */
export class MediaConfigError extends Error {
  /** The environment setting to correct (infra/.env.example), such as MEDIASOUP_LISTEN_IP. */
  readonly setting: string;

  constructor(setting: string, message: string) {
    super(`${setting}: ${message}`);
    this.name = 'MediaConfigError';
    this.setting = setting;
  }
}
