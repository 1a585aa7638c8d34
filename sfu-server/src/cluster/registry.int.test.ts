import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRedis } from '../testing/redis.ts';
import type { TestRedis } from '../testing/redis.ts';
import { ClusterKeys } from './keys.ts';
import { connectRedis, disconnectRedis } from './redis.ts';
import type { NodeLoad } from './registry.ts';
import { NodeRegistration } from './registry.ts';

/*
 * A media node's registration against a real Redis, for what the cluster tests do not reach: a
 * node whose workers answer the load question late.
 */

const silent = pino({ level: 'silent' });
const HEARTBEAT_MS = 200;
const LAPSE_MS = 600;
const LOAD: NodeLoad = {
  workers: 1,
  rooms: 2,
  transports: 3,
  producers: 4,
  consumers: 5,
  cpu: 0.1,
};

let redis: TestRedis;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

describe('a media node whose workers answer late', () => {
  it('stays registered with the load last measured, and sends the new one once it comes', async () => {
    const keys = new ClusterKeys(redis.prefix());
    const connection = await connectRedis(redis.url, silent, 'test');
    // The workers answer the first time, then not until the test lets them.
    const late: ((load: NodeLoad) => void)[] = [];
    let isAnswering = true;
    const registration = new NodeRegistration({
      redis: connection,
      keys,
      nodeId: 'busy-node',
      address: '127.0.0.1',
      log: silent,
      heartbeatMs: HEARTBEAT_MS,
      lapseMs: LAPSE_MS,
      load: () => {
        if (isAnswering) {
          isAnswering = false;

          return Promise.resolve({ ...LOAD, rooms: 1 });
        }

        return new Promise((resolve) => late.push(resolve));
      },
      roomIds: () => [],
      onEvicted: async () => {},
      onPlacementLost: async () => {},
    });
    const record = async () => {
      const raw = await connection.get(keys.node('busy-node'));

      return raw === null ? null : (JSON.parse(raw) as { load: NodeLoad });
    };

    try {
      await registration.start();
      // Four times the lapse, with every later measurement unanswered.
      for (let waited = 0; waited < 4 * LAPSE_MS; waited += HEARTBEAT_MS) {
        await new Promise((resolve) => setTimeout(resolve, HEARTBEAT_MS));
        expect(await record(), `registered after ${waited + HEARTBEAT_MS} ms`).not.toBeNull();
      }
      expect(late.length).toBeGreaterThan(0);
      expect((await record())!.load.rooms).toBe(1);

      // The workers answer again: the figure they give goes out with the next heartbeats.
      for (const answer of late.splice(0)) answer({ ...LOAD, rooms: 42 });
      await new Promise((resolve) => setTimeout(resolve, 2 * HEARTBEAT_MS));
      expect((await record())!.load.rooms).toBe(42);
    } finally {
      await registration.stop();
      disconnectRedis(connection);
    }
  });
});
