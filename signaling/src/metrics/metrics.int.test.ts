import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ConsumerOptions, JoinReply, TransportOptions } from '../protocol/index.ts';
import type { TestServer, TestSocket } from '../testing/harness.ts';
import { ask, connectClient, startTestServer } from '../testing/harness.ts';

/** Reads one sample of a metric from the Prometheus text format. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));

  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('/metrics', () => {
  let server: TestServer;
  const sockets: TestSocket[] = [];

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    await server.stop();
  });

  const join = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));
    const joined = await ask<JoinReply>(socket, 'meeting:join', { meetingId: 'demo' });
    const transport = await ask<TransportOptions>(socket, 'media:createTransport', {
      direction: 'send',
    });

    if (!joined.ok || !transport.ok) throw new Error('join refused');
    sockets.push(socket);
    await ask(socket, 'media:setRtpCapabilities', {
      rtpCapabilities: joined.data.routerRtpCapabilities,
    });

    return { socket, transportId: transport.data.id };
  };

  it('counts meetings, participants and their media after two people join', async () => {
    const ola = await join('person-ola');
    const per = await join('person-per');
    const produced = await ask<{ producerId: string }>(ola.socket, 'media:produce', {
      transportId: ola.transportId,
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
        encodings: [{ ssrc: 1234 }],
      },
      source: 'microphone',
    });

    if (!produced.ok) throw new Error('produce refused');

    const recv = await ask<TransportOptions>(per.socket, 'media:createTransport', {
      direction: 'recv',
    });

    if (!recv.ok) throw new Error('transport refused');

    const consumed = await ask<ConsumerOptions>(per.socket, 'media:consume', {
      transportId: recv.data.id,
      producerId: produced.data.producerId,
    });

    if (!consumed.ok) throw new Error('consume refused');
    await ask(per.socket, 'media:resumeConsumer', { consumerId: consumed.data.consumerId });

    const res = await fetch(`${server.url}/metrics`);
    const text = await res.text();
    const { workerPids } = await server.media.stats();

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(sample(text, 'teamrom_meetings')).toBe(1);
    expect(sample(text, 'teamrom_participants')).toBe(2);
    expect(sample(text, 'teamrom_socketio_connections')).toBe(2);
    expect(sample(text, 'teamrom_media_workers')).toBe(1);
    expect(sample(text, 'teamrom_media_transports')).toBe(3);
    expect(sample(text, 'teamrom_media_producers')).toBe(1);
    expect(sample(text, 'teamrom_media_consumers')).toBe(1);
    expect(sample(text, 'teamrom_joins_total', '{outcome="joined"}')).toBe(2);
    expect(sample(text, 'teamrom_join_to_first_media_seconds_count')).toBe(1);
    expect(
      sample(text, 'teamrom_media_worker_cpu_seconds_total', `{pid="${workerPids[0]}"}`),
    ).toBeGreaterThan(0);
    expect(sample(text, 'teamrom_media_bitrate_in_bits_per_second')).toBe(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0);
  });

  it('says ready when workers and database answer', async () => {
    const res = await fetch(`${server.url}/readyz`);

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: { workers: 'ok', database: 'ok' },
    });
  });

  it('says unready, with the reason, when the database is gone', async () => {
    await server.db.close();

    const ready = await fetch(`${server.url}/readyz`);
    const health = await fetch(`${server.url}/healthz`);

    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({
      status: 'unready',
      checks: { workers: 'ok', database: 'unreachable' },
    });
    expect(health.status).toBe(503);
  });
});
