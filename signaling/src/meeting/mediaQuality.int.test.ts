import { randomUUID } from 'node:crypto';

import { opusParameters, RtpSink, RtpSource, vp8Parameters } from '@teamrom/sfu-server/testing';
import type { Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import type {
  ConsumerLayers,
  ConsumerOptions,
  JoinReply,
  PeerQuality,
  TransportOptions,
} from '../protocol/index.ts';
import type { TestServer } from '../testing/harness.ts';
import { ask, connectClient, nextEvent, startTestServer } from '../testing/harness.ts';

const SIMULCAST = [0x6100, 0x6101, 0x6102];

describe('speaker, layers and link quality', () => {
  let server: TestServer;
  let meetingId: string;
  const closing: { close(): void }[] = [];

  beforeAll(async () => {
    server = await startTestServer({ env: { QUALITY_INTERVAL_MS: '250' } });
  });

  afterEach(() => {
    for (const c of closing.splice(0)) c.close();
  });

  afterAll(async () => {
    await server.stop();
  });

  const freshMeeting = async () => {
    meetingId = randomUUID();
    await server.db.query(
      `insert into meetings (id, patient_id, title, waiting_room)
       values ($1, 'patient-demo', 'Teammøte', false)`,
      [meetingId],
    );
  };

  const join = async (personId: string) => {
    const socket = await connectClient(server.url, server.tokenFor(personId));

    closing.push(socket);

    const ack = await ask<JoinReply>(socket, 'meeting:join', { meetingId });

    if (!ack.ok) throw new Error(`join refused: ${ack.error.code}`);

    return { socket, reply: ack.data, ref: { roomId: meetingId, peerId: ack.data.self.peerId } };
  };

  /**
   * Media through the media node itself: a plain transport fed by an RtpSource stands in for the
   * participant's browser, which these tests cannot run.
   */
  const sendRtp = async (
    ref: { roomId: string; peerId: string },
    kind: 'audio' | 'video',
    ssrcs: number[],
  ) => {
    const ingest = await server.media.createPlainTransport({ ...ref, comedia: true });
    const source = await RtpSource.open(ingest);
    const { producerId } = await server.media.produce({
      ...ref,
      transportId: ingest.id,
      kind,
      rtpParameters: kind === 'audio' ? opusParameters(ssrcs[0]!) : vp8Parameters(ssrcs),
      source: kind === 'audio' ? 'microphone' : 'camera',
    });

    closing.push(source);

    return { source, producerId };
  };

  const receiveRtp = async (ref: { roomId: string; peerId: string }, producerId: string) => {
    const { rtpCapabilities } = await server.media.openRoom(ref.roomId);
    const sink = await RtpSink.open();
    const egress = await server.media.createPlainTransport(ref);

    closing.push(sink);
    await server.media.connectPlainTransport({ ...ref, transportId: egress.id, ...sink.address });

    const consumer = await server.media.consume({
      ...ref,
      transportId: egress.id,
      producerId,
      rtpCapabilities,
    });

    await server.media.resumeConsumer({ ...ref, consumerId: consumer.consumerId });

    return { sink, consumer, transport: { ip: egress.ip, port: egress.port } };
  };

  it('tells everyone who speaks, and a late joiner in its join reply', async () => {
    await freshMeeting();

    const kari = await join('person-kari');
    const per = await join('person-per');
    const heardByKari = nextEvent<{ peerId: string }>(kari.socket, 'speaker:active', 10_000);
    const heardByPer = nextEvent<{ peerId: string }>(per.socket, 'speaker:active', 10_000);
    const perSpeaks = await sendRtp(per.ref, 'audio', [0x7001]);
    const kariListens = await sendRtp(kari.ref, 'audio', [0x7002]);

    perSpeaks.source.audio(0x7001, 10).start();
    kariListens.source.audio(0x7002, 127).start();

    expect(await heardByKari).toEqual({ peerId: per.ref.peerId });
    expect(await heardByPer).toEqual({ peerId: per.ref.peerId });

    const ola = await join('person-ola');

    expect(ola.reply.activeSpeakerPeerId).toBe(per.ref.peerId);
  }, 20_000);

  it('reports every participant’s link, and advises low-bandwidth mode on a downlink that stays poor', async () => {
    await freshMeeting();

    const kari = await join('person-kari');
    const per = await join('person-per');
    const ola = await join('person-ola');
    const camera = await sendRtp(per.ref, 'video', [0x7101]);
    const { sink, transport } = await receiveRtp(kari.ref, camera.producerId);
    const reports: PeerQuality[][] = [];

    (ola.socket as unknown as Socket).on('media:quality', ({ peers }: { peers: PeerQuality[] }) =>
      reports.push(peers),
    );
    // Per's uplink loses every fourth packet; Kari's client reports a third of hers lost.
    camera.source.video(0x7101).dropEvery(4).start();
    sink.reportLoss(transport, 0.35);

    await expect
      .poll(
        () => {
          const last = reports.at(-1) ?? [];
          const of = (peerId: string) => last.find((q) => q.peerId === peerId);

          return {
            per: of(per.ref.peerId)?.uplink.level,
            kari: of(kari.ref.peerId)?.downlink.level,
            kariAdvised: of(kari.ref.peerId)?.isLowBandwidthAdvised,
            ola: of(ola.ref.peerId)?.level,
          };
        },
        { timeout: 10_000, interval: 100 },
      )
      .toEqual({ per: 'poor', kari: 'poor', kariAdvised: true, ola: 'unknown' });

    const last = reports.at(-1)!;
    const kariQuality = last.find((q) => q.peerId === kari.ref.peerId)!;

    expect(last.map((q) => q.peerId).sort()).toEqual(
      [kari.ref.peerId, per.ref.peerId, ola.ref.peerId].sort(),
    );
    expect(kariQuality).toMatchObject({
      level: 'poor',
      downlink: { packetLoss: expect.closeTo(0.35, 1), bitrate: expect.any(Number) },
    });
    expect(last.find((q) => q.peerId === per.ref.peerId)?.uplink.packetLoss).toBeGreaterThan(0.15);
    // The advice needs a run of poor reports; the first poor one did not bring it.
    const kariLevels = reports.map((r) => r.find((q) => q.peerId === kari.ref.peerId));
    const firstPoor = kariLevels.findIndex((q) => q?.downlink.level === 'poor');

    expect(kariLevels[firstPoor]?.isLowBandwidthAdvised).toBe(false);

    // Still poor with the mode advised: audio only follows, one step after the mode, never alone.
    await expect
      .poll(() => reports.at(-1)?.find((q) => q.peerId === kari.ref.peerId)?.isAudioOnlyAdvised, {
        timeout: 10_000,
        interval: 100,
      })
      .toBe(true);

    const kariAdvice = reports.map((r) => r.find((q) => q.peerId === kari.ref.peerId));
    const firstAdvised = kariAdvice.findIndex((q) => q?.isLowBandwidthAdvised);
    const firstAudioOnly = kariAdvice.findIndex((q) => q?.isAudioOnlyAdvised);

    expect(firstAudioOnly).toBeGreaterThan(firstAdvised);
    expect(kariAdvice[firstAdvised]?.isAudioOnlyAdvised).toBe(false);
    expect(reports.flat().filter((q) => q.isAudioOnlyAdvised && !q.isLowBandwidthAdvised)).toEqual(
      [],
    );
    expect(
      reports
        .flat()
        .filter((q) => q.peerId !== kari.ref.peerId && q.isAudioOnlyAdvised)
        .map((q) => q.peerId),
    ).toEqual([]);
  }, 20_000);

  it('switches simulcast layers on request, within the layers the consumer has', async () => {
    await freshMeeting();

    const kari = await join('person-kari');
    const per = await join('person-per');
    const layerNotices: { consumerId: string; layers: ConsumerLayers | null }[] = [];

    (kari.socket as unknown as Socket).on('consumer:layers', (e: (typeof layerNotices)[0]) =>
      layerNotices.push(e),
    );

    const camera = await sendRtp(per.ref, 'video', SIMULCAST);

    for (const ssrc of SIMULCAST) camera.source.video(ssrc);
    camera.source.start();

    const { consumer } = await receiveRtp(kari.ref, camera.producerId);
    const { consumerId } = consumer;
    const lastLayers = () => layerNotices.filter((n) => n.consumerId === consumerId).at(-1)?.layers;

    expect(consumer.layers).toEqual({ spatial: 3, temporal: 1 });
    expect(
      await ask(kari.socket, 'media:setPreferredLayers', { consumerId, spatialLayer: 0 }),
    ).toEqual({ ok: true, data: {} });
    await expect
      .poll(lastLayers, { timeout: 8_000 })
      .toEqual({ spatialLayer: 0, temporalLayer: 0 });

    await ask(kari.socket, 'media:setPreferredLayers', { consumerId, spatialLayer: 2 });
    await expect
      .poll(lastLayers, { timeout: 8_000 })
      .toEqual({ spatialLayer: 2, temporalLayer: 0 });

    expect(await ask(kari.socket, 'media:pauseConsumer', { consumerId })).toEqual({
      ok: true,
      data: {},
    });
    await expect.poll(lastLayers, { timeout: 8_000 }).toBeNull();
    expect(await ask(kari.socket, 'media:resumeConsumer', { consumerId })).toEqual({
      ok: true,
      data: {},
    });

    for (const [event, payload, code] of [
      ['media:setPreferredLayers', { consumerId, spatialLayer: 3 }, 'invalid_request'],
      [
        'media:setPreferredLayers',
        { consumerId, spatialLayer: 0, temporalLayer: 2 },
        'invalid_request',
      ],
      ['media:setPreferredLayers', { consumerId, spatialLayer: -1 }, 'invalid_request'],
      ['media:setConsumerPriority', { consumerId, priority: 0 }, 'invalid_request'],
    ] as const) {
      expect(await ask(kari.socket, event, payload), JSON.stringify(payload)).toMatchObject({
        ok: false,
        error: { code },
      });
    }
    expect(
      await ask(kari.socket, 'media:setConsumerPriority', { consumerId, priority: 200 }),
    ).toEqual({ ok: true, data: {} });
    // Only the consumer's own participant may steer it.
    for (const event of ['media:setPreferredLayers', 'media:pauseConsumer']) {
      expect(await ask(per.socket, event, { consumerId, spatialLayer: 0 })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    }
  }, 30_000);

  it('says in the reply to media:consume which layers a video has', async () => {
    await freshMeeting();

    const kari = await join('person-kari');
    const per = await join('person-per');
    const [send, recv] = await Promise.all([
      ask<TransportOptions>(per.socket, 'media:createTransport', { direction: 'send' }),
      ask<TransportOptions>(kari.socket, 'media:createTransport', { direction: 'recv' }),
    ]);

    if (!send.ok || !recv.ok) throw new Error('transport refused');

    const produced = await ask<{ producerId: string }>(per.socket, 'media:produce', {
      transportId: send.data.id,
      kind: 'video',
      rtpParameters: {
        ...vp8Parameters(SIMULCAST),
        encodings: SIMULCAST.map((ssrc) => ({ ssrc, scalabilityMode: 'L1T3' })),
      },
      source: 'camera',
    });

    if (!produced.ok) throw new Error(`produce refused: ${produced.error.message}`);

    await ask(kari.socket, 'media:setRtpCapabilities', {
      rtpCapabilities: kari.reply.routerRtpCapabilities,
    });

    expect(
      await ask<ConsumerOptions>(kari.socket, 'media:consume', {
        transportId: recv.data.id,
        producerId: produced.data.producerId,
      }),
    ).toMatchObject({ ok: true, data: { layers: { spatial: 3, temporal: 3 } } });
  });
});
