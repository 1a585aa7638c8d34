import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import type { TestRedis } from '@teamrom/sfu-server/testing/redis';
import { startRedis } from '@teamrom/sfu-server/testing/redis';
import { pino } from 'pino';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import type { Socket as ClientSocket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { SignalingCluster } from './SignalingCluster.ts';
import { connectSignalingCluster } from './SignalingCluster.ts';

const silent = pino({ level: 'silent' });

/** Two Socket.io servers on the cluster's adapter, as two signalling nodes have them. */
describe('the Socket.io adapter of a signalling cluster', () => {
  let redis: TestRedis;
  const clusters: SignalingCluster[] = [];
  const servers: Server[] = [];
  const clients: ClientSocket[] = [];

  beforeAll(async () => {
    redis = await startRedis();

    const prefix = redis.prefix();

    for (const nodeId of ['x', 'y']) {
      const cluster = await connectSignalingCluster({
        redisUrl: redis.url,
        keyPrefix: prefix,
        nodeId,
        log: silent,
        graceMs: 2_000,
      });
      const httpServer = createServer();
      const io = new Server(httpServer, {
        adapter: cluster.adapter,
        connectionStateRecovery: { maxDisconnectionDuration: 2_000 },
      });

      io.on('connection', (socket) => {
        // As the gateway keeps it: claims (one of them absent) and the participant, a Peer whose
        // Maps and logger MessagePack cannot carry.
        socket.data.token = { sub: 'person-kari', meetingId: undefined, exp: 2_000_000_000 };
        socket.data.peer = {
          id: 'peer-1',
          meeting: { id: 'meeting-1', log: silent },
          producers: new Map([['producer-1', { paused: false }]]),
        };
        void socket.join('meeting:meeting-1');
      });
      await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
      clusters.push(cluster);
      servers.push(io);
    }
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const io of servers) await new Promise((resolve) => void io.close(resolve));
    for (const cluster of clusters) await cluster.close();
    await redis?.stop();
  });

  it("hands another node a connection's claims and a reference to its participant", async () => {
    const [x, y] = servers as [Server, Server];
    const port = (y.httpServer.address() as AddressInfo).port;
    const client = connect(`http://127.0.0.1:${port}`, { transports: ['websocket'] });

    clients.push(client);
    await new Promise((resolve) => client.once('connect', () => resolve(null)));
    await expect.poll(() => y.of('/').sockets.size).toBe(1);

    const [remote] = await x.in('meeting:meeting-1').timeout(3_000).fetchSockets();

    expect(remote?.id).toBe(client.id);
    expect(remote?.data).toEqual({
      token: { sub: 'person-kari', exp: 2_000_000_000 },
      peer: { meetingId: 'meeting-1', peerId: 'peer-1' },
      isJoining: false,
    });
  });

  it('carries a broadcast from one node to a client of the other', async () => {
    const [x] = servers as [Server, Server];
    const client = clients[0]!;
    const heard = new Promise((resolve) => client.once('speaker:active', resolve));

    x.to('meeting:meeting-1').emit('speaker:active', { peerId: 'peer-1' });
    expect(await heard).toEqual({ peerId: 'peer-1' });
  });
});
