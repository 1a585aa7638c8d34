import { safeError } from '@teamrom/sfu-server';
import { pino } from 'pino';

/**
 * JSON log lines. Child loggers carry meetingId and peerId. Never pass names, identity numbers,
 * tokens or care-plan text to a logger: redact below is a second line of defence, not the first.
 */
export const logger = pino({
  name: 'signaling',
  level: process.env.LOG_LEVEL ?? 'info',
  redact: ['token', '*.token', 'req.headers.authorization', 'displayName', '*.displayName'],
  serializers: { err: safeError },
});

export type Logger = typeof logger;
