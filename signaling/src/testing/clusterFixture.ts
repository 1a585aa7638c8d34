import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { StandaloneMediaNode } from '@teamrom/sfu-server';
import type { TestRedis } from '@teamrom/sfu-server/testing/redis';
import { startRedis } from '@teamrom/sfu-server/testing/redis';
import { pino } from 'pino';

import { TokenService } from '../auth/tokens.ts';
import { openDatabase } from '../db/index.ts';
import { seedDemo } from '../demo/seed.ts';
import type { TestPostgres } from './postgres.ts';
import { startPostgres } from './postgres.ts';
import type { SignalingNodeProcess } from './signalingNode.ts';
import { startSignalingNode } from './signalingNode.ts';

const silent = pino({ level: 'silent' });

/**
 * What the cluster integration tests share: a Redis of their own (they restart it), a PostgreSQL
 * with the demo people and patient, one token secret, media nodes in this process, and signalling
 * nodes as processes of their own (so that one can be killed). Set SHOW_NODE_LOGS to see what the
 * signalling nodes wrote.
 */
export interface ClusterFixture {
  redis: TestRedis;
  postgres: TestPostgres;
  prefix: string;
  /** Signs tokens the signalling nodes accept. */
  tokens: TokenService;
  /** The running media nodes; a test may stop one and take it out, or add one. */
  mediaNodes: StandaloneMediaNode[];
  /** A media node of the cluster on its own 100 RTC ports from `rtcMinPort`. */
  startMediaNode(nodeId: string, rtcMinPort: number): Promise<StandaloneMediaNode>;
  /** A signalling node of the cluster; `env` adds to (or overrides) the cluster's settings. */
  startSignalingNode(nodeId: string, env?: Record<string, string>): Promise<SignalingNodeProcess>;
  stop(): Promise<void>;
}

export async function startClusterFixture(
  media: { nodeId: string; rtcMinPort: number }[],
): Promise<ClusterFixture> {
  const [redis, postgres] = await Promise.all([startRedis({ ownServer: true }), startPostgres()]);
  const prefix = redis.prefix();
  const secret = randomBytes(32).toString('hex');
  const tokenDir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-tokens-'));
  const tokens = await TokenService.fromConfig(secret, tokenDir, { acceptsDemo: true });
  const signalingNodes: SignalingNodeProcess[] = [];
  // The demo people and patient, seeded once for every node (which run with DEMO=off).
  const db = await openDatabase({ databaseUrl: postgres.url, dataDir: null });

  await seedDemo(db);
  await db.close();

  const fixture: ClusterFixture = {
    redis,
    postgres,
    prefix,
    tokens,
    mediaNodes: [],
    async startMediaNode(nodeId, rtcMinPort) {
      const node = await StandaloneMediaNode.start({
        nodeId,
        redisUrl: redis.url,
        keyPrefix: prefix,
        media: { numWorkers: 1, rtcMinPort, rtcMaxPort: rtcMinPort + 99 },
        log: silent,
      });

      fixture.mediaNodes.push(node);

      return node;
    },
    async startSignalingNode(nodeId, env = {}) {
      const node = await startSignalingNode({
        NODE_ID: nodeId,
        MEDIA_MODE: 'cluster',
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: prefix,
        DATABASE_URL: postgres.url,
        JWT_SECRET: secret,
        DEMO: 'off',
        LOG_LEVEL: process.env.SHOW_NODE_LOGS ? 'info' : 'warn',
        ...env,
      });

      signalingNodes.push(node);

      return node;
    },
    async stop() {
      if (process.env.SHOW_NODE_LOGS) for (const node of signalingNodes) console.log(node.output());
      for (const node of signalingNodes.splice(0)) await node.stop().catch(() => {});
      for (const node of fixture.mediaNodes.splice(0)) await node.stop().catch(() => {});
      await redis.stop();
      await postgres.stop();
      await rm(tokenDir, { recursive: true, force: true });
    },
  };

  for (const { nodeId, rtcMinPort } of media) await fixture.startMediaNode(nodeId, rtcMinPort);

  return fixture;
}
