import type { Redis } from 'ioredis';

/**
 * The records of a Redis hash (one JSON value a field), parsed; one that cannot be read is
 * skipped and reported, so that a bad record never hides the good ones.
 */
export async function readHash<T>(
  redis: Redis,
  key: string,
  parse: (json: string) => T | null,
  onUnreadable: () => void,
): Promise<T[]> {
  const fields = await redis.hgetall(key);

  return Object.values(fields).flatMap((json) => {
    const record = parse(json);

    if (record === null) onUnreadable();

    return record === null ? [] : [record];
  });
}
