import { pino } from 'pino';

/**
 * Turns an error into what may be logged: its type, code, a message with quoted parts removed, and
 * where it happened. Error objects can carry the input that caused them (a database error holds the
 * query and its parameters, and quotes the value it refused), and input can be patient data.
 */
export function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { type: typeof error };

  const { code } = error as { code?: unknown };

  return {
    type: error.name,
    ...(typeof code === 'string' || typeof code === 'number' ? { code } : {}),
    message: error.message.replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '"…"').slice(0, 200),
    stack: error.stack
      ?.split('\n')
      .filter((line) => /^\s+at /.test(line))
      .slice(0, 8)
      .map((line) => line.trim()),
  };
}

/** Root logger of the media node; JSON lines on stdout. */
export const logger = pino({
  name: 'sfu',
  level: process.env.LOG_LEVEL ?? 'info',
  base: { pid: process.pid },
  serializers: { err: safeError },
});

export type Logger = typeof logger;
