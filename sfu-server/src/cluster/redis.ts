import { Redis } from 'ioredis';

import { MediaError } from '../errors.ts';
import type { Logger } from '../logger.ts';

/** How long a Redis command may take; Redis answers in well under a millisecond. */
const COMMAND_TIMEOUT_MS = 2_000;

/**
 * A connection to Redis for the media cluster. Commands are never queued while Redis is away: a
 * request queued then would reach a media node long after its caller gave up (creating transports
 * nobody uses), and a heartbeat queued then would claim a liveness that may have ended. They fail
 * at once instead, and ioredis keeps reconnecting in the background, resubscribing its channels.
 */
export async function connectRedis(url: string, log: Logger, role: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A Redis that accepts the connection and stops answering fails commands instead of holding
    // them: a heartbeat or a placement never waits longer than this.
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectionName: `teamrom-media-${role}`,
    // Quick at first, then every second: Redis coming back is noticed within about a second.
    retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1_000),
  });
  let isDown = false;

  redis.on('error', (error: Error) => {
    // ioredis reports every failed reconnection; one line per outage is enough.
    if (isDown) return;

    isDown = true;
    log.warn({ role, err: error }, 'Redis connection lost; reconnecting');
  });
  redis.on('ready', () => {
    if (!isDown) return;

    isDown = false;
    log.info({ role }, 'Redis connection back');
  });

  try {
    await redis.connect();
  } catch (error) {
    // Without this, ioredis would go on reconnecting for a caller that has given up.
    redis.disconnect(false);
    // The URL may hold a password; the reason is ioredis's own.
    throw new MediaError(
      'unavailable',
      `Redis cannot be reached at REDIS_URL: ${error instanceof Error ? error.message : 'unknown'}`,
    );
  }

  return redis;
}

/** Closes a connection without waiting for a Redis that may be gone. */
export function disconnectRedis(redis: Redis): void {
  redis.disconnect(false);
}
