import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import type { MediaNodeEvents } from '../MediaNode.ts';
import type { TestRedis } from '../testing/redis.ts';
import { startRedis } from '../testing/redis.ts';
import { ClusterMediaNode } from './ClusterMediaNode.ts';
import { ClusterKeys } from './keys.ts';
import { evictNode } from './registry.ts';
import { StandaloneMediaNode } from './StandaloneMediaNode.ts';

/*
 * Two media nodes and two "signalling nodes" (ClusterMediaNodes) on one real Redis: where rooms
 * go, that both signalling nodes agree, and what happens when a node dies or Redis restarts.
 * Heartbeats are fast here (200 ms, lapse after 600 ms) so that the tests wait little.
 */

const silent = pino({ level: 'silent' });
const HEARTBEAT_MS = 200;
const LAPSE_MS = 600;
const POLL_MS = 100;
const EVENT_TIMEOUT_MS = 10_000;
const MAIN = path.join(import.meta.dirname, '..', 'main.ts');
const REPO = path.join(import.meta.dirname, '..', '..', '..');

let redis: TestRedis;
const running: { stop(): Promise<void> | void }[] = [];

beforeAll(async () => {
  redis = await startRedis({ ownServer: true });
});

afterEach(async () => {
  for (const thing of running.splice(0).reverse()) await thing.stop();
});

afterAll(async () => {
  await redis?.stop();
});

let nextPorts = 33200;

async function mediaNode(prefix: string, nodeId: string): Promise<StandaloneMediaNode> {
  const rtcMinPort = nextPorts;

  nextPorts += 50;

  const node = await StandaloneMediaNode.start({
    nodeId,
    redisUrl: redis.url,
    keyPrefix: prefix,
    media: { numWorkers: 1, rtcMinPort, rtcMaxPort: rtcMinPort + 49 },
    log: silent,
    heartbeatMs: HEARTBEAT_MS,
    lapseMs: LAPSE_MS,
  });

  running.push(node);

  return node;
}

async function cluster(prefix: string, pollMs = POLL_MS): Promise<ClusterMediaNode> {
  const node = await ClusterMediaNode.connect({
    redisUrl: redis.url,
    keyPrefix: prefix,
    log: silent,
    pollMs,
    lapseMs: LAPSE_MS,
    timeoutMs: 2_000,
  });

  running.push({ stop: () => node.close() });

  return node;
}

/** A media node in a process of its own, as `npm` would run it, for tests that kill it. */
async function mediaNodeProcess(prefix: string, nodeId: string): Promise<ChildProcess> {
  const rtcMinPort = nextPorts;

  nextPorts += 50;

  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: REPO,
    env: {
      PATH: process.env.PATH,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: prefix,
      MEDIA_NODE_ID: nodeId,
      MEDIASOUP_WORKERS: '1',
      RTC_MIN_PORT: String(rtcMinPort),
      RTC_MAX_PORT: String(rtcMinPort + 49),
      MEDIA_HEARTBEAT_MS: String(HEARTBEAT_MS),
      MEDIA_LAPSE_MS: String(LAPSE_MS),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';

  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  running.push({
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;

      const exited = once(child, 'exit');

      child.kill('SIGKILL');
      await exited;
    },
  });
  child.once('exit', (code, signal) => {
    // Shows why, should the node not come up; killed on purpose, it exits by signal.
    if (code !== 0 && signal === null) console.error(`media node exited with ${code}: ${stderr}`);
  });

  return child;
}

async function liveIds(node: ClusterMediaNode): Promise<string[]> {
  await node.refresh();

  return node
    .liveNodes()
    .map((n) => n.nodeId)
    .sort();
}

function roomClosed(node: ClusterMediaNode): Promise<MediaNodeEvents['roomclosed']> {
  return once(node.events as never, 'roomclosed', {
    signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
  }) as Promise<MediaNodeEvents['roomclosed']>;
}

describe('placement', () => {
  it('a new room goes to the least-loaded live node', async () => {
    const prefix = redis.prefix();
    const a = await mediaNode(prefix, 'node-a');
    const b = await mediaNode(prefix, 'node-b');
    const signalling = await cluster(prefix);

    // node-a carries two rooms; once its heartbeat says so, new rooms go to node-b.
    await a.media.openRoom('busy-1');
    await a.media.openRoom('busy-2');
    await vi.waitFor(
      async () => {
        await signalling.refresh();
        expect(signalling.liveNodes().find((n) => n.nodeId === 'node-a')?.load.rooms).toBe(2);
      },
      { timeout: EVENT_TIMEOUT_MS, interval: 50 },
    );

    await signalling.openRoom('fresh');

    expect(signalling.nodeOf('fresh')).toBe('node-b');
    expect((await b.media.stats()).rooms).toBe(1);
    expect((await a.media.stats()).rooms).toBe(2);
  });

  it('a burst of new rooms is spread over the nodes before any heartbeat shows it', async () => {
    const prefix = redis.prefix();

    await mediaNode(prefix, 'node-a');
    await mediaNode(prefix, 'node-b');
    const signalling = await cluster(prefix);

    expect(await liveIds(signalling)).toEqual(['node-a', 'node-b']);

    const rooms = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'];

    await Promise.all(rooms.map((roomId) => signalling.openRoom(roomId)));

    const perNode = rooms.map((r) => signalling.nodeOf(r));

    expect(perNode.filter((n) => n === 'node-a')).toHaveLength(3);
    expect(perNode.filter((n) => n === 'node-b')).toHaveLength(3);
  });

  it('two signalling nodes opening the same rooms at once agree on every node', async () => {
    const prefix = redis.prefix();
    const a = await mediaNode(prefix, 'node-a');
    const b = await mediaNode(prefix, 'node-b');
    const first = await cluster(prefix);
    const second = await cluster(prefix);
    const rooms = Array.from({ length: 12 }, (_, i) => `shared-${i}`);

    await Promise.all(rooms.flatMap((roomId) => [first.openRoom(roomId), second.openRoom(roomId)]));

    for (const roomId of rooms) expect(second.nodeOf(roomId)).toBe(first.nodeOf(roomId));
    // Each room was opened on exactly one node.
    expect((await a.media.stats()).rooms + (await b.media.stats()).rooms).toBe(rooms.length);

    // Calls and events of a room opened by the other signalling node reach the right node.
    const transport = await second.createPlainTransport({ roomId: 'shared-0', peerId: 'p' });
    const owner = first.nodeOf('shared-0') === 'node-a' ? a : b;

    expect(
      (await owner.media.describePeer({ roomId: 'shared-0', peerId: 'p' })).transports,
    ).toEqual([expect.objectContaining({ transportId: transport.id })]);
    expect(await first.stats()).toMatchObject({ workers: 2, rooms: 12, transports: 1 });
  });

  it('with no live node, opening a room is refused with capacity', async () => {
    const signalling = await cluster(redis.prefix());

    await expect(signalling.openRoom('nowhere')).rejects.toMatchObject({
      name: 'MediaError',
      code: 'capacity',
    });
  });
});

describe('node death', () => {
  it("a killed node's rooms close with node_died and reopen on the live node", async () => {
    const prefix = redis.prefix();
    const child = await mediaNodeProcess(prefix, 'node-doomed');
    const signalling = await cluster(prefix);

    await vi.waitFor(async () => expect(await liveIds(signalling)).toEqual(['node-doomed']), {
      timeout: 20_000,
      interval: 100,
    });
    await signalling.openRoom('meeting');
    await signalling.createPlainTransport({ roomId: 'meeting', peerId: 'alice' });
    expect(signalling.nodeOf('meeting')).toBe('node-doomed');

    await mediaNode(prefix, 'node-survivor');
    await vi.waitFor(async () => expect(await liveIds(signalling)).toHaveLength(2), {
      timeout: EVENT_TIMEOUT_MS,
    });

    const closed = roomClosed(signalling);
    const killedAt = performance.now();

    child.kill('SIGKILL');

    expect(await closed).toEqual([{ roomId: 'meeting', reason: 'node_died' }]);

    const noticedAfter = performance.now() - killedAt;

    console.info(`media node death noticed ${noticedAfter.toFixed(0)} ms after SIGKILL`);
    // Noticed by its lost subscription, well before its registration would have lapsed.
    expect(noticedAfter).toBeLessThan(LAPSE_MS + 2 * POLL_MS + 500);

    await signalling.openRoom('meeting');
    expect(signalling.nodeOf('meeting')).toBe('node-survivor');
    expect(await liveIds(signalling)).toEqual(['node-survivor']);
    expect(await signalling.describePeer({ roomId: 'meeting', peerId: 'alice' })).toEqual({
      transports: [],
      producers: [],
      consumers: [],
    });
  });

  it('a signalling node whose call fails on a node another one gave up gives it up at once', async () => {
    const prefix = redis.prefix();
    const child = await mediaNodeProcess(prefix, 'node-doomed');
    const first = await cluster(prefix);

    await vi.waitFor(async () => expect(await liveIds(first)).toEqual(['node-doomed']), {
      timeout: 20_000,
      interval: 100,
    });
    await first.openRoom('meeting');
    await mediaNode(prefix, 'node-survivor');
    await vi.waitFor(async () => expect(await liveIds(first)).toHaveLength(2), {
      timeout: EVENT_TIMEOUT_MS,
    });

    // Reads the registry once, when it connects: it can notice the death only by its own calls.
    const second = await cluster(prefix, 60_000);

    await second.createPlainTransport({ roomId: 'meeting', peerId: 'bob' });
    expect(second.nodeOf('meeting')).toBe('node-doomed');

    const firstClosed = roomClosed(first);

    child.kill('SIGKILL');
    expect(await firstClosed).toEqual([{ roomId: 'meeting', reason: 'node_died' }]);
    await first.openRoom('meeting');
    expect(first.nodeOf('meeting')).toBe('node-survivor');

    const secondClosed = roomClosed(second);
    const failedAt = performance.now();

    await expect(
      second.createPlainTransport({ roomId: 'meeting', peerId: 'bob' }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    expect(await secondClosed).toEqual([{ roomId: 'meeting', reason: 'node_died' }]);
    expect(performance.now() - failedAt).toBeLessThan(1000);
    expect(second.liveNodes().map((n) => n.nodeId)).toEqual(['node-survivor']);

    await second.openRoom('meeting');
    expect(second.nodeOf('meeting')).toBe('node-survivor');
  });

  it('a node whose heartbeat lapses loses its rooms, and drops them when it comes back', async () => {
    const prefix = redis.prefix();
    const hung = await mediaNode(prefix, 'node-hung');
    const signalling = await cluster(prefix);
    const other = await cluster(prefix);

    await signalling.openRoom('meeting');
    await other.openRoom('meeting');
    expect(other.nodeOf('meeting')).toBe('node-hung');
    await mediaNode(prefix, 'node-fine');
    await vi.waitFor(async () => expect(await liveIds(signalling)).toHaveLength(2), {
      timeout: EVENT_TIMEOUT_MS,
    });

    const closedHere = roomClosed(signalling);
    const closedThere = roomClosed(other);

    hung.pauseHeartbeat();

    expect(await closedHere).toEqual([{ roomId: 'meeting', reason: 'node_died' }]);
    expect(await closedThere).toEqual([{ roomId: 'meeting', reason: 'node_died' }]);

    // Both signalling nodes reopen it, and agree where.
    await Promise.all([signalling.openRoom('meeting'), other.openRoom('meeting')]);
    expect(signalling.nodeOf('meeting')).toBe('node-fine');
    expect(other.nodeOf('meeting')).toBe('node-fine');

    // The hung node comes back: it learns it was given up and drops the room that moved.
    expect(hung.media.roomIds()).toEqual(['meeting']);
    hung.resumeHeartbeat();
    await vi.waitFor(() => expect(hung.media.roomIds()).toEqual([]), { timeout: EVENT_TIMEOUT_MS });
    await vi.waitFor(
      async () => expect(await liveIds(signalling)).toEqual(['node-fine', 'node-hung']),
      { timeout: EVENT_TIMEOUT_MS },
    );
    expect(signalling.nodeOf('meeting')).toBe('node-fine');
  });

  it('a node restarted under the same id between two reads has lost its rooms', async () => {
    const prefix = redis.prefix();
    const first = await mediaNode(prefix, 'node-phoenix');
    // Reads only when asked, so that the restart falls between two of them.
    const signalling = await cluster(prefix, 60_000);
    await signalling.openRoom('meeting');

    const lost: unknown[] = [];

    signalling.events.on('roomclosed', (event) => lost.push(event));
    await first.stop();
    await new Promise((resolve) => setTimeout(resolve, 5));
    await mediaNode(prefix, 'node-phoenix');
    await signalling.refresh();

    expect(lost).toEqual([{ roomId: 'meeting', reason: 'node_died' }]);
    expect(await liveIds(signalling)).toEqual(['node-phoenix']);
    await signalling.openRoom('meeting');
    expect(signalling.nodeOf('meeting')).toBe('node-phoenix');
  });

  it('a node stopped with SIGTERM deregisters, and its rooms move at once', async () => {
    const prefix = redis.prefix();
    const child = await mediaNodeProcess(prefix, 'node-leaving');
    const signalling = await cluster(prefix);

    await vi.waitFor(async () => expect(await liveIds(signalling)).toEqual(['node-leaving']), {
      timeout: 20_000,
      interval: 100,
    });
    await signalling.openRoom('meeting');

    const closed = roomClosed(signalling);
    const exited = once(child, 'exit');

    child.kill('SIGTERM');

    expect(await exited).toEqual([0, null]);
    expect(await closed).toEqual([{ roomId: 'meeting', reason: 'node_died' }]);
    expect(await liveIds(signalling)).toEqual([]);
  });
});

describe('node ids', () => {
  it('a second node under the id of a running one is refused, and the first carries on', async () => {
    const prefix = redis.prefix();

    await mediaNode(prefix, 'node-twin');

    const signalling = await cluster(prefix);

    await expect(mediaNode(prefix, 'node-twin')).rejects.toThrow(
      /^MEDIA_NODE_ID: another media node is running as "node-twin"/,
    );
    await signalling.openRoom('meeting');
    expect(signalling.nodeOf('meeting')).toBe('node-twin');
    expect(await liveIds(signalling)).toEqual(['node-twin']);
  });
});

describe('a room whose placement changed under it', () => {
  /** Two live nodes, a signalling node that reads the registry only when asked, and Redis. */
  const twoNodes = async (prefix: string) => {
    const nodes = {
      'node-x': await mediaNode(prefix, 'node-x'),
      'node-y': await mediaNode(prefix, 'node-y'),
    };
    const signalling = await cluster(prefix, 60_000);
    const direct = new Redis(redis.url);

    running.push({ stop: () => void direct.disconnect() });
    expect(await liveIds(signalling)).toEqual(['node-x', 'node-y']);

    return { nodes, signalling, direct, keys: new ClusterKeys(prefix) };
  };
  const other = (nodeId: string | undefined) => (nodeId === 'node-x' ? 'node-y' : 'node-x');

  it('goes back to the node that holds it when Redis lost its placement, not to an emptier one', async () => {
    const { signalling, direct, keys } = await twoNodes(redis.prefix());

    await signalling.openRoom('kept');

    const holder = signalling.nodeOf('kept')!;

    // The holder's heartbeat shows the room, so the other node is the emptier one.
    await vi.waitFor(
      async () => {
        await signalling.refresh();
        expect(signalling.liveNodes().find((n) => n.nodeId === holder)?.load.rooms).toBe(1);
      },
      { timeout: EVENT_TIMEOUT_MS, interval: 50 },
    );
    await direct.del(keys.room('kept'));
    await signalling.openRoom('kept');

    expect(signalling.nodeOf('kept')).toBe(holder);
    expect(await direct.get(keys.room('kept'))).toBe(holder);
  });

  it('announces the room closed on the old node when opening finds it placed on another', async () => {
    const { signalling, direct, keys } = await twoNodes(redis.prefix());

    await signalling.openRoom('moved');

    const before = signalling.nodeOf('moved');
    const closed = roomClosed(signalling);

    // Another signalling node moved the room, having given its node up.
    await direct.set(keys.room('moved'), other(before));
    await signalling.openRoom('moved');

    expect(await closed).toEqual([{ roomId: 'moved', reason: 'closed' }]);
    expect(signalling.nodeOf('moved')).toBe(other(before));
  });

  it('is announced closed to a signalling node that missed the eviction of its node', async () => {
    const { nodes, signalling, direct, keys } = await twoNodes(redis.prefix());

    await signalling.openRoom('evicted');

    const holder = signalling.nodeOf('evicted') as keyof typeof nodes;
    const closed = roomClosed(signalling);

    // Another signalling node gave the holder up; this one has not read the registry since. The
    // holder drops its rooms at its next heartbeat and registers again, looking unchanged.
    await evictNode(direct, keys, holder);

    expect(await closed).toEqual([{ roomId: 'evicted', reason: 'closed' }]);
    expect(nodes[holder].media.roomIds()).toEqual([]);
  });

  it('is closed on a node that finds it placed elsewhere when it registers again', async () => {
    const { nodes, signalling, direct, keys } = await twoNodes(redis.prefix());

    await signalling.openRoom('split');

    const holder = signalling.nodeOf('split') as keyof typeof nodes;
    const closed = roomClosed(signalling);

    // As after Redis restarted empty: the other node registered first and took the room, and the
    // holder registers again.
    await direct.set(keys.room('split'), other(holder));
    await direct.del(keys.node(holder));

    expect(await closed).toEqual([{ roomId: 'split', reason: 'closed' }]);
    expect(nodes[holder].media.roomIds()).toEqual([]);
    await signalling.openRoom('split');
    expect(signalling.nodeOf('split')).toBe(other(holder));
  });
});

describe('Redis restart', () => {
  it('rooms stay where they were, placements come back, and calls work again', async () => {
    const prefix = redis.prefix();

    await mediaNode(prefix, 'node-a');
    await mediaNode(prefix, 'node-b');
    const signalling = await cluster(prefix);
    const lost: unknown[] = [];

    signalling.events.on('roomclosed', (event) => lost.push(event));
    await vi.waitFor(async () => expect(await liveIds(signalling)).toHaveLength(2), {
      timeout: EVENT_TIMEOUT_MS,
    });
    await signalling.openRoom('kept-1');
    await signalling.openRoom('kept-2');

    const before = [signalling.nodeOf('kept-1'), signalling.nodeOf('kept-2')];

    expect(signalling.isRedisReady).toBe(true);
    await redis.kill();
    await vi.waitFor(() => expect(signalling.isRedisReady).toBe(false), { timeout: 2_000 });
    await expect(signalling.stats()).resolves.toMatchObject({ workers: 0 });
    await expect(
      signalling.createPlainTransport({ roomId: 'kept-1', peerId: 'p' }),
    ).rejects.toMatchObject({ code: 'unavailable' });
    await redis.restart({ downMs: 500 });

    const started = performance.now();

    await vi.waitFor(
      async () => expect(await signalling.stats()).toMatchObject({ workers: 2, rooms: 2 }),
      { timeout: 10_000, interval: 100 },
    );
    console.info(`cluster calls back ${(performance.now() - started).toFixed(0)} ms after Redis`);

    // A signalling node that starts now finds each room where it lives.
    const late = await cluster(prefix);

    await vi.waitFor(async () => expect(await liveIds(late)).toHaveLength(2), {
      timeout: EVENT_TIMEOUT_MS,
    });
    await late.openRoom('kept-1');
    await late.openRoom('kept-2');
    expect([late.nodeOf('kept-1'), late.nodeOf('kept-2')]).toEqual(before);

    // Nobody was judged dead by the outage.
    await new Promise((resolve) => setTimeout(resolve, LAPSE_MS * 2));
    expect(lost).toEqual([]);
    expect(await signalling.stats()).toMatchObject({ rooms: 2 });
  });
});
