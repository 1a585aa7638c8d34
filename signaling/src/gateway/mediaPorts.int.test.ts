import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { boundSockets } from '../../../sfu-server/src/testing/boundSockets.ts';
import type { Ack, JoinReply, TransportOptions } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

/*
 * Without a WebRtcServer every transport takes a UDP and a TCP port from the RTC range. Ten ports
 * (31300-31309, below the ports the kernel hands to outgoing connections, and used by no other
 * test file) make both a leak and a full range show within seconds.
 */
const RTC_MIN_PORT = 31300;
const RTC_MAX_PORT = 31309;
const CYCLES = 500;

describe('media ports without a WebRtcServer', () => {
  let server: TestServer;
  let bystander: TestSocket;
  let workerPid: number;
  const sockets: TestSocket[] = [];

  const connect = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    sockets.push(socket);

    return socket;
  };
  const join = async (socket: TestSocket) => {
    const ack = await ask<JoinReply>(socket, 'meeting:join', { meetingId: 'demo' });

    if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);

    return ack.data;
  };
  const createTransport = (socket: TestSocket) =>
    ask<TransportOptions>(socket, 'media:createTransport', { direction: 'recv' });
  /** The worker's UDP and TCP ports in the RTC range, as "udp:31304" and "tcp:31304". */
  const portsInRange = async () =>
    (await boundSockets(workerPid))
      .filter((s) => s.port >= RTC_MIN_PORT && s.port <= RTC_MAX_PORT)
      .map((s) => `${s.protocol}:${s.port}`)
      .sort();

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        MEDIASOUP_WEBRTC_SERVER: 'false',
        RTC_MIN_PORT: String(RTC_MIN_PORT),
        RTC_MAX_PORT: String(RTC_MAX_PORT),
      },
    });
    [workerPid] = (await server.media.stats()).workerPids as [number];
    // Someone stays in the meeting throughout, holding one transport, so that the room stays
    // open and only the leaving peer's ports can come back.
    bystander = await connect('person-kari');
    await join(bystander);
    expect(await createTransport(bystander)).toMatchObject({ ok: true });
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server.stop();
  });

  it(`gives every port back after ${CYCLES} join, transport and leave cycles`, async () => {
    const baseline = await portsInRange();
    let socket = await connect('person-ola');

    expect(baseline).toHaveLength(2);

    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const { self } = await join(socket);

      expect((await createTransport(socket)).ok).toBe(true);
      expect((await createTransport(socket)).ok).toBe(true);
      if (cycle === 0) expect(await portsInRange()).toHaveLength(baseline.length + 4);

      // Half leave politely, half vanish as a closed tab does.
      if (cycle % 2 === 0) {
        expect(await ask(socket, 'meeting:leave', {})).toEqual({ ok: true, data: {} });
      } else {
        const left = nextEvent<{ peerId: string }>(bystander, 'peer:left');

        socket.close();
        expect(await left).toEqual({ peerId: self.peerId });
        socket = await connect('person-ola');
      }
    }

    await expect.poll(portsInRange, { timeout: 2000 }).toEqual(baseline);
    expect(await server.media.stats()).toMatchObject({ transports: 1, workerPids: [workerPid] });
    console.info(`worker ports in range: ${baseline.length} before, ${baseline.length} after`);
  });

  it('refuses a transport with capacity when the range is used up, and serves again after a leave', async () => {
    const peers = await Promise.all(
      ['person-ola', 'person-ingrid', 'person-per'].map(async (personId) => {
        const socket = await connect(personId);

        await join(socket);

        return socket;
      }),
    );
    let created = 0;
    let refused: Ack<TransportOptions> | undefined;

    // A peer may hold four transports, so the ten ports are spread over three peers.
    for (let i = 0; i < 12 && !refused; i++) {
      const ack = await createTransport(peers[i % peers.length]!);

      if (ack.ok) created++;
      else refused = ack;
    }

    expect(refused).toEqual({
      ok: false,
      error: { code: 'capacity', message: 'no free port for a new media connection' },
    });
    // The bystander holds one of the ten ports; someone else on this machine may hold another.
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThanOrEqual(9);
    expect(await createTransport(peers[2]!)).toMatchObject({ error: { code: 'capacity' } });

    expect(await ask(peers[0]!, 'meeting:leave', {})).toEqual({ ok: true, data: {} });

    await expect.poll(async () => (await createTransport(peers[2]!)).ok).toBe(true);
    expect((await server.media.stats()).workerPids).toEqual([workerPid]);
    console.info(`${created} transports fitted beside the bystander's before capacity`);
  });
});
