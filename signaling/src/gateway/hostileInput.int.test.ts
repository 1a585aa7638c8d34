import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { safeError } from '@teamrom/sfu-server';
import { pino } from 'pino';
import { io } from 'socket.io-client';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { loadConfig } from '../config.ts';
import type { JoinReply, TransportOptions } from '../protocol/index.ts';
import type { RunningServer } from '../server.ts';
import { startServer } from '../server.ts';
import type { TestSocket } from '../testing/harness.ts';
import { ask, connectClient, nextEvent } from '../testing/harness.ts';
import { MAX_MESSAGE_BYTES } from './SocketGateway.ts';

/*
 * One client sending malformed or oversized requests must cost nobody else anything: not the
 * worker, not the media of another meeting, not a ghost left in its own meeting. The server runs
 * here with a log that the tests read, to see why it says each connection closed.
 */

const RTC_MIN_PORT = 31500;
const RTC_MAX_PORT = 31599;
const OPUS = {
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
  encodings: [{ ssrc: 11112222 }],
  rtcp: { cname: 'hostile-test' },
};
const FINGERPRINT = { algorithm: 'sha-256', value: 'AB:'.repeat(31) + 'AB' };

interface LogLine {
  level: number;
  msg: string;
  peerId?: string;
  reason?: string;
  cause?: string;
}

describe('a client sending hostile or broken input', () => {
  const logLines: LogLine[] = [];
  const sockets: Socket[] = [];
  let dataDir: string;
  let server: RunningServer;
  let workerPids: number[];
  let bystander: TestSocket;
  let otherMeeting: { received: number; stop: () => void };

  const tokenFor = (personId: string) => server.tokens.sign({ sub: personId, role: 'nurse' }, 600);
  const join = async (socket: TestSocket, meetingId = 'demo') => {
    const ack = await ask<JoinReply>(socket, 'meeting:join', { meetingId });

    if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);

    return ack.data;
  };
  const connect = async (personId: string) => {
    const socket = await connectClient(server.url, tokenFor(personId));

    sockets.push(socket as unknown as Socket);

    return socket;
  };
  /** Sends without the size check a well-behaved client would make. */
  const emitRaw = (socket: TestSocket | Socket, event: string, payload: unknown) =>
    (socket as unknown as Socket).emit(event, payload, () => {});
  /** Leaves, and waits until the bystander has heard, so that no notice spills into a later test. */
  const leave = async (socket: TestSocket, peerId: string) => {
    const left = nextEvent<{ peerId: string }>(bystander, 'peer:left');

    socket.close();
    expect(await left).toEqual({ peerId });
  };
  const disconnectLine = (peerId: string) =>
    logLines.find((line) => line.peerId === peerId && line.msg.startsWith('connection closed'));
  /** Media of the other meeting has kept flowing when new packets reach its receiver. */
  const expectOtherMeetingMedia = async () => {
    const before = otherMeeting.received;

    await expect.poll(() => otherMeeting.received, { timeout: 3000 }).toBeGreaterThan(before + 5);
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'teamrom-hostile-'));
    server = await startServer(
      loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        MEDIASOUP_WORKERS: '1',
        RTC_MIN_PORT: String(RTC_MIN_PORT),
        RTC_MAX_PORT: String(RTC_MAX_PORT),
        // A peer whose network drops is held this long for its return before it leaves.
        RESUME_GRACE_MS: '300',
      }),
      {
        log: pino(
          { level: 'info', serializers: { err: safeError } },
          { write: (line: string) => logLines.push(JSON.parse(line) as LogLine) },
        ),
      },
    );
    ({ workerPids } = await server.media.stats());
    await server.db.query(
      `insert into meetings (id, patient_id, title)
       select 'meeting-two', patient_id, 'Møte' from meetings where id = 'demo'`,
    );
    bystander = await connect('person-ingrid');
    await join(bystander);
    otherMeeting = await startOtherMeetingMedia();
  });

  afterAll(async () => {
    otherMeeting?.stop();
    for (const socket of sockets) socket.close();
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  /**
   * A second meeting on the same worker, with audio flowing through it: RTP from a UDP socket into
   * one plain transport, out of another to a UDP socket that counts what arrives.
   */
  async function startOtherMeetingMedia() {
    const host = await connect('person-kari');
    const { self, routerRtpCapabilities } = await join(host, 'meeting-two');
    const ref = { roomId: 'meeting-two', peerId: self.peerId };
    const ingest = await server.media.createPlainTransport({ ...ref, comedia: true });
    const { producerId } = await server.media.produce({
      ...ref,
      transportId: ingest.id,
      kind: 'audio',
      rtpParameters: structuredClone(OPUS),
      source: 'gateway',
    });
    const egress = await server.media.createPlainTransport(ref);
    const sink = dgram.createSocket('udp4');
    const sender = dgram.createSocket('udp4');
    const state = { received: 0, stop: () => {} };

    sink.bind(0, '127.0.0.1');
    await once(sink, 'listening');
    sink.on('message', (packet) => {
      // RTCP shares the port; its packet types, in the second byte, are 192-223.
      if (packet[1]! < 192 || packet[1]! > 223) state.received++;
    });
    await server.media.connectPlainTransport({
      ...ref,
      transportId: egress.id,
      ip: '127.0.0.1',
      port: sink.address().port,
    });

    const consumer = await server.media.consume({
      ...ref,
      transportId: egress.id,
      producerId,
      rtpCapabilities: routerRtpCapabilities as never,
    });

    await server.media.resumeConsumer({ ...ref, consumerId: consumer.consumerId });

    let seq = 0;
    const sending = setInterval(() => {
      const packet = Buffer.alloc(12 + 40);

      seq++;
      packet[0] = 0x80;
      packet[1] = 111;
      packet.writeUInt16BE(seq & 0xffff, 2);
      packet.writeUInt32BE(seq * 960, 4);
      packet.writeUInt32BE(OPUS.encodings[0]!.ssrc, 8);
      sender.send(packet, ingest.port, ingest.ip);
    }, 20);

    state.stop = () => {
      clearInterval(sending);
      sink.close();
      sender.close();
    };
    await vi.waitFor(() => expect(state.received).toBeGreaterThan(5), {
      timeout: 3000,
      interval: 20,
    });

    return state;
  }

  it('answers malformed transport and RTP parameters with an error and keeps the connection', async () => {
    const socket = await connect('person-ola');
    const { self } = await join(socket);
    const transport = await ask<TransportOptions>(socket, 'media:createTransport', {
      direction: 'send',
    });

    if (!transport.ok) throw new Error('transport refused');

    const transportId = transport.data.id;
    const produce = (rtpParameters: unknown, kind = 'audio') => ({
      transportId,
      kind,
      source: 'microphone',
      rtpParameters,
    });
    const malformed: [string, string, unknown][] = [
      [
        'no fingerprints',
        'media:connectTransport',
        { transportId, dtlsParameters: { role: 'client', fingerprints: [] } },
      ],
      ['no fingerprint list', 'media:connectTransport', { transportId, dtlsParameters: {} }],
      [
        'a role that does not exist',
        'media:connectTransport',
        { transportId, dtlsParameters: { role: 'boss', fingerprints: [FINGERPRINT] } },
      ],
      [
        'a fingerprint of the wrong type',
        'media:connectTransport',
        { transportId, dtlsParameters: { role: 7, fingerprints: 'sha-256' } },
      ],
      ['a transport id of the wrong type', 'media:connectTransport', { transportId: 42 }],
      ['a direction of the wrong type', 'media:createTransport', { direction: ['send'] }],
      ['codecs of the wrong type', 'media:produce', produce({ codecs: 'opus' })],
      [
        'a payload type of the wrong type',
        'media:produce',
        produce({ codecs: [{ ...OPUS.codecs[0], payloadType: '111' }] }),
      ],
      ['a negative SSRC', 'media:produce', produce({ ...OPUS, encodings: [{ ssrc: -1 }] })],
      ['audio parameters for video', 'media:produce', produce(OPUS, 'video')],
      ['ids of the wrong type', 'media:consume', { transportId: {}, producerId: null }],
      ['a consumer id of the wrong type', 'media:resumeConsumer', { consumerId: 12345 }],
      [
        'RTP capabilities just under the message limit but over the schema',
        'media:setRtpCapabilities',
        {
          rtpCapabilities: {
            codecs: Array.from({ length: 500 }, (_, i) => ({
              kind: 'audio',
              mimeType: 'audio/opus',
              clockRate: 48000,
              preferredPayloadType: i,
              parameters: { junk: 'x'.repeat(256) },
            })),
          },
        },
      ],
      ['no payload at all', 'media:produce', undefined],
    ];

    for (const [what, event, payload] of malformed) {
      expect(await ask(socket, event, payload), what).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
    }

    expect(JSON.stringify(malformed.at(-2)).length).toBeLessThan(MAX_MESSAGE_BYTES);
    expect(socket.connected).toBe(true);
    expect((await server.media.stats()).workerPids).toEqual(workerPids);
    expect(
      await ask(socket, 'media:connectTransport', {
        transportId,
        dtlsParameters: { role: 'client', fingerprints: [FINGERPRINT] },
      }),
    ).toEqual({ ok: true, data: {} });
    await expectOtherMeetingMedia();
    await leave(socket, self.peerId);
  });

  // mediasoup reads a missing role as 'auto' and takes the DTLS client role itself.
  it('accepts DTLS parameters without a role, as role auto, and the worker lives on', async () => {
    const socket = await connect('person-per');
    const { self } = await join(socket);
    const transport = await ask<TransportOptions>(socket, 'media:createTransport', {
      direction: 'recv',
    });

    if (!transport.ok) throw new Error('transport refused');

    expect(
      await ask(socket, 'media:connectTransport', {
        transportId: transport.data.id,
        dtlsParameters: { fingerprints: [FINGERPRINT] },
      }),
    ).toEqual({ ok: true, data: {} });
    expect((await server.media.stats()).workerPids).toEqual(workerPids);
    await leave(socket, self.peerId);
  });

  it('closes only the connection that sends megabytes of RTP capabilities, removes its peer and logs why', async () => {
    const socket = await connect('person-ola');
    const { self } = await join(socket);

    await ask(socket, 'media:createTransport', { direction: 'send' });

    const transportsBefore = (await server.media.stats()).transports;
    const closed = new Promise<string>((resolve) => socket.once('disconnect', resolve));
    const left = nextEvent<{ peerId: string }>(bystander, 'peer:left');

    emitRaw(socket, 'media:setRtpCapabilities', {
      rtpCapabilities: { codecs: [], headerExtensions: [], junk: 'x'.repeat(3_000_000) },
    });

    expect(await closed).toBe('transport close');
    expect(await left).toEqual({ peerId: self.peerId });
    expect(
      server.meetings
        .meeting('demo')
        ?.peers()
        .map((p) => p.id),
    ).not.toContain(self.peerId);
    expect((await server.media.stats()).transports).toBe(transportsBefore - 1);
    expect(disconnectLine(self.peerId)).toMatchObject({
      level: 40,
      msg: 'connection closed: message over the size limit',
      reason: 'transport error',
      cause: 'message_too_large',
    });
    expect(bystander.connected).toBe(true);
    expect((await server.media.stats()).workerPids).toEqual(workerPids);
    await expectOtherMeetingMedia();
  });

  it('tells an oversize message over HTTP long-polling apart from a lost network too', async () => {
    const socket: Socket = io(server.url, {
      auth: { token: tokenFor('person-per') },
      transports: ['polling'],
      reconnection: false,
      forceNew: true,
    });

    sockets.push(socket);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));

    const { self } = await join(socket as unknown as TestSocket);
    const left = nextEvent<{ peerId: string }>(bystander, 'peer:left', 5000);

    emitRaw(socket, 'media:setRtpCapabilities', {
      rtpCapabilities: { codecs: [], junk: 'x'.repeat(MAX_MESSAGE_BYTES + 1) },
    });

    expect(await left).toEqual({ peerId: self.peerId });
    expect(disconnectLine(self.peerId)).toMatchObject({ cause: 'message_too_large' });
    expect((await server.media.stats()).workerPids).toEqual(workerPids);
  });

  it('logs a connection that drops without a word as lost network, not as oversize', async () => {
    const socket = await connect('person-ola');
    const { self } = await join(socket);
    const left = nextEvent<{ peerId: string }>(bystander, 'peer:left');
    const engine = (socket as unknown as Socket).io.engine as unknown as {
      transport: { ws: { _socket: { destroy(): void } } };
    };

    // Cuts the TCP connection under the WebSocket, as a lost network does, without a close frame.
    engine.transport.ws._socket.destroy();

    expect(await left).toEqual({ peerId: self.peerId });
    expect(disconnectLine(self.peerId)).toMatchObject({
      level: 30,
      msg: 'connection closed',
      reason: 'transport close',
      cause: 'network',
    });
  });
});
