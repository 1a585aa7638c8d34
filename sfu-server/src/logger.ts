import { pino } from 'pino';

/** Root logger of the media node; JSON lines on stdout. */
export const logger = pino({
  name: 'sfu',
  level: process.env.LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
});

export type Logger = typeof logger;
