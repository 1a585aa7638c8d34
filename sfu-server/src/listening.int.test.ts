import dgram from 'node:dgram';
import { once } from 'node:events';

import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

import type { MediaNodeOptions } from './config.ts';
import { MediaConfigError } from './errors.ts';
import { LocalMediaNode } from './LocalMediaNode.ts';
import type { WebRtcTransportInfo } from './MediaNode.ts';
import { boundSockets } from './testing/boundSockets.ts';
import { iceCheck } from './testing/stun.ts';

/*
 * Where WebRTC media listens and what browsers are told to send it to. Ports 31400-31499 belong to
 * this file: other test files running at the same time use other ranges, and the kernel hands out
 * ports from 32768 up to outgoing connections.
 */
const WEBRTC_PORT = 31400;
const RTC_MIN_PORT = 31410;
const RTC_MAX_PORT = 31429;
/** Documentation addresses (RFC 5737): never routed, so announcing one sends nothing anywhere. */
const ANNOUNCED_IP = '192.0.2.10';
const FOREIGN_IP = '192.0.2.1';

const silent = pino({ level: 'silent' });
const workers: types.Worker[] = [];
let node: LocalMediaNode | undefined;

beforeAll(() => {
  mediasoup.observer.on('newworker', (worker) => workers.push(worker));
});

afterEach(async () => {
  await node?.close();
  node = undefined;
  workers.length = 0;
});

async function startNode(options: MediaNodeOptions = {}): Promise<LocalMediaNode> {
  node = await LocalMediaNode.create(
    { numWorkers: 1, rtcMinPort: RTC_MIN_PORT, rtcMaxPort: RTC_MAX_PORT, ...options },
    silent,
  );

  return node;
}

async function transports(roomId: string, count: number): Promise<WebRtcTransportInfo[]> {
  await node!.openRoom(roomId);

  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      node!.createWebRtcTransport({ roomId, peerId: `peer-${i}`, direction: 'recv' }),
    ),
  );
}

function candidate(transport: WebRtcTransportInfo, protocol: 'udp' | 'tcp') {
  const found = transport.iceCandidates.find((c) => c.protocol === protocol);

  if (!found) throw new Error(`no ${protocol} candidate`);

  return found;
}

/** What create() was rejected with; fails the test when it started. */
async function startFailure(options: MediaNodeOptions): Promise<MediaConfigError> {
  const error: unknown = await startNode(options).then(
    () => new Error('the media node started'),
    (e: unknown) => e,
  );

  expect(error).toBeInstanceOf(MediaConfigError);

  return error as MediaConfigError;
}

describe('with a WebRtcServer per worker', () => {
  it('every transport of a worker listens on one UDP and one TCP port, the base port plus the worker number', async () => {
    await startNode({ numWorkers: 2, webRtcPort: WEBRTC_PORT });

    const roomA = await transports('room-a', 3);
    const roomB = await transports('room-b', 3);
    const portsOf = (room: WebRtcTransportInfo[], protocol: 'udp' | 'tcp') =>
      new Set(room.map((t) => candidate(t, protocol).port));

    // Each room has a worker of its own: the pool places a room on the least loaded worker.
    expect([...portsOf(roomA, 'udp'), ...portsOf(roomB, 'udp')].sort()).toEqual([
      WEBRTC_PORT,
      WEBRTC_PORT + 1,
    ]);
    expect(portsOf(roomA, 'tcp')).toEqual(portsOf(roomA, 'udp'));
    expect(portsOf(roomB, 'tcp')).toEqual(portsOf(roomB, 'udp'));
    for (const pid of node!.workerPids()) {
      expect((await boundSockets(pid)).map((s) => s.protocol).sort()).toEqual(['tcp', 'udp']);
    }
  });

  it("ICE checks for each transport arrive on the shared port and reach that transport's ICE server", async () => {
    await startNode({ webRtcPort: WEBRTC_PORT });

    const [first, second] = await transports('room-a', 2);
    const shared = { ip: '127.0.0.1', port: WEBRTC_PORT };

    expect(await iceCheck(shared, first!.iceParameters)).toBe('success');
    expect(await iceCheck(shared, second!.iceParameters)).toBe('success');
    expect(await iceCheck(shared, { ...first!.iceParameters, password: 'wrong' })).toBe('error');
    expect(await iceCheck(shared, { usernameFragment: 'nobody', password: 'none' })).toBe(null);

    const restarted = await node!.restartIce({
      roomId: 'room-a',
      peerId: 'peer-0',
      transportId: first!.id,
    });

    expect(await iceCheck(shared, restarted)).toBe('success');
  });

  it('without a base port, each worker takes one UDP and one TCP port from the RTC range', async () => {
    await startNode({ numWorkers: 1 });

    const room = await transports('room-a', 3);
    const udp = new Set(room.map((t) => candidate(t, 'udp').port));
    const tcp = new Set(room.map((t) => candidate(t, 'tcp').port));

    expect(udp.size).toBe(1);
    expect(tcp.size).toBe(1);
    for (const port of [...udp, ...tcp]) {
      expect(port).toBeGreaterThanOrEqual(RTC_MIN_PORT);
      expect(port).toBeLessThanOrEqual(RTC_MAX_PORT);
    }
  });

  it('ICE candidates carry the announced address, an IP address or a host name', async () => {
    for (const announcedIp of [ANNOUNCED_IP, 'media.teamrom.test']) {
      await startNode({ webRtcPort: WEBRTC_PORT, announcedIp });

      const [transport] = await transports('room-a', 1);

      expect(transport!.iceCandidates.map((c) => [c.protocol, c.ip, c.port]).sort()).toEqual([
        ['tcp', announcedIp, WEBRTC_PORT],
        ['udp', announcedIp, WEBRTC_PORT],
      ]);
      await node!.close();
    }
  });

  it("a worker that replaces a dead one listens on the dead one's port again", async () => {
    await startNode({ webRtcPort: WEBRTC_PORT });
    await transports('room-a', 1);

    const [deadPid] = node!.workerPids();
    const roomClosed = once(node!.events, 'roomclosed', { signal: AbortSignal.timeout(5000) });

    process.kill(deadPid!, 'SIGKILL');
    await roomClosed;
    await vi.waitFor(() => expect(node!.workerPids()).toEqual([expect.any(Number)]), {
      timeout: 5000,
      interval: 50,
    });

    const [transport] = await transports('room-b', 1);

    expect(node!.workerPids()).not.toContain(deadPid);
    expect(candidate(transport!, 'udp').port).toBe(WEBRTC_PORT);
    expect(candidate(transport!, 'tcp').port).toBe(WEBRTC_PORT);
    expect(await iceCheck({ ip: '127.0.0.1', port: WEBRTC_PORT }, transport!.iceParameters)).toBe(
      'success',
    );
  });

  it("refuses to start when a worker's port is taken, and leaves no worker running", async () => {
    const squatter = dgram.createSocket('udp4');

    squatter.bind(WEBRTC_PORT + 1, '127.0.0.1');
    await once(squatter, 'listening');

    try {
      const error = await startFailure({ numWorkers: 2, webRtcPort: WEBRTC_PORT });

      expect(error.setting).toBe('MEDIASOUP_WEBRTC_PORT');
      expect(error.message).toMatch(/port 31401 of 127\.0\.0\.1: another program uses it/);
      expect(workers).toHaveLength(2);
      expect(workers.every((w) => w.closed)).toBe(true);
    } finally {
      squatter.close();
    }
  });
});

describe('with ports per transport', () => {
  it('each transport takes its own UDP and TCP port from the RTC range', async () => {
    await startNode({ webRtcServer: false, announcedIp: ANNOUNCED_IP });

    const room = await transports('room-a', 3);
    const ports = room.flatMap((t) => t.iceCandidates.map((c) => `${c.protocol}:${c.port}`));

    expect(new Set(ports).size).toBe(6);
    for (const transport of room) {
      for (const c of transport.iceCandidates) {
        expect(c.ip).toBe(ANNOUNCED_IP);
        expect(c.port).toBeGreaterThanOrEqual(RTC_MIN_PORT);
        expect(c.port).toBeLessThanOrEqual(RTC_MAX_PORT);
      }
    }
    expect(await boundSockets(node!.workerPids()[0]!)).toHaveLength(6);
  });
});

describe('start-up checks', () => {
  it('refuses a listen address that is not one of this machine, naming MEDIASOUP_LISTEN_IP', async () => {
    for (const webRtcServer of [true, false]) {
      const error = await startFailure({ listenIp: FOREIGN_IP, webRtcServer });

      expect(error.setting).toBe('MEDIASOUP_LISTEN_IP');
      expect(error.message).toMatch(
        /^MEDIASOUP_LISTEN_IP: 192\.0\.2\.1 is not an address of this machine \(EADDRNOTAVAIL\); its addresses are .*127\.0\.0\.1/,
      );
    }
    expect(workers).toEqual([]);
  });

  it('refuses a listen address that is not an IP address', async () => {
    const error = await startFailure({ listenIp: 'localhost' });

    expect(error.message).toMatch(/^MEDIASOUP_LISTEN_IP: "localhost" is not an IP address/);
  });

  it('refuses listening on every interface without an announced address', async () => {
    for (const listenIp of ['0.0.0.0', '::']) {
      const error = await startFailure({ listenIp });

      expect(error.setting).toBe('MEDIASOUP_ANNOUNCED_IP');
      expect(error.message).toMatch(/must be set when media listens on every interface/);
    }
  });

  it('refuses an announced address no browser can send to, naming MEDIASOUP_ANNOUNCED_IP', async () => {
    const unreachable = ['0.0.0.0', '::', '255.255.255.255', '239.1.2.3', 'ff02::1'];
    const malformed = ['not an address!', '10.0.0.300', '*', 'media..teamrom.test', ''];

    for (const announcedIp of [...unreachable, ...malformed]) {
      const error = await startFailure({ announcedIp, webRtcPort: WEBRTC_PORT });

      expect(error.setting, announcedIp).toBe('MEDIASOUP_ANNOUNCED_IP');
    }
    expect(workers).toEqual([]);
  });
});
