import { once } from 'node:events';

import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { LocalMediaNode } from './LocalMediaNode.ts';
import type { MediaNodeEvents, PeerRef } from './MediaNode.ts';
import { opusParameters, RtpSink, RtpSource, vp8Parameters } from './testing/rtpSource.ts';

const ROOM = 'room-quality';
const ALICE: PeerRef = { roomId: ROOM, peerId: 'alice' };
const BOB: PeerRef = { roomId: ROOM, peerId: 'bob' };
const CAROL: PeerRef = { roomId: ROOM, peerId: 'carol' };
const SIMULCAST = [0x5100, 0x5101, 0x5102];
const WAIT = { timeout: 8_000, interval: 50 };

let node: LocalMediaNode;
const closing: { close(): void }[] = [];
const observedTransports: types.Transport[] = [];

beforeAll(() => {
  mediasoup.observer.on('newworker', (worker) => {
    worker.observer.on('newrouter', (router) => {
      router.observer.on('newtransport', (transport) => observedTransports.push(transport));
    });
  });
});

beforeEach(async () => {
  observedTransports.length = 0;
  node = await LocalMediaNode.create(
    { numWorkers: 1, rtcMinPort: 31800, rtcMaxPort: 31899 },
    pino({ level: 'silent' }),
  );
  await node.openRoom(ROOM);
});

afterEach(async () => {
  for (const c of closing.splice(0)) c.close();
  await node.close();
});

/** A peer sending through a plain transport, fed by an RtpSource. */
async function sender(peer: PeerRef): Promise<RtpSource> {
  const ingest = await node.createPlainTransport({ ...peer, comedia: true });
  const source = await RtpSource.open(ingest);

  closing.push(source);

  return Object.assign(source, { transportId: ingest.id });
}

async function produce(
  peer: PeerRef,
  source: RtpSource,
  kind: 'audio' | 'video',
  ssrcs: number[],
): Promise<string> {
  const { producerId } = await node.produce({
    ...peer,
    transportId: (source as RtpSource & { transportId: string }).transportId,
    kind,
    rtpParameters: kind === 'audio' ? opusParameters(ssrcs[0]!) : vp8Parameters(ssrcs),
    source: kind === 'audio' ? 'microphone' : 'camera',
  });

  return producerId;
}

/** A peer receiving one producer through a plain transport that sends to a counting sink. */
async function receiver(peer: PeerRef, producerId: string) {
  const { rtpCapabilities } = await node.openRoom(ROOM);
  const sink = await RtpSink.open();
  const egress = await node.createPlainTransport(peer);

  closing.push(sink);
  await node.connectPlainTransport({ ...peer, transportId: egress.id, ...sink.address });

  const consumer = await node.consume({
    ...peer,
    transportId: egress.id,
    producerId,
    rtpCapabilities,
  });

  return { sink, consumer, transport: { ip: egress.ip, port: egress.port } };
}

function collect<E extends keyof MediaNodeEvents>(event: E): MediaNodeEvents[E][0][] {
  const seen: MediaNodeEvents[E][0][] = [];

  node.events.on(event, ((payload: MediaNodeEvents[E][0]) => seen.push(payload)) as never);

  return seen;
}

describe('the active speaker', () => {
  it('is the peer whose audio is loud, and changes when someone else speaks', async () => {
    const speakers = collect('activespeaker');
    const alice = await sender(ALICE);
    const bob = await sender(BOB);
    const aliceMic = await produce(ALICE, alice, 'audio', [0x1a01]);
    const bobMic = await produce(BOB, bob, 'audio', [0x1b01]);

    alice.audio(0x1a01, 10).start();
    bob.audio(0x1b01, 127).start();

    await vi.waitFor(() => expect(speakers.at(-1)).toEqual({ ...ALICE, producerId: aliceMic }), {
      ...WAIT,
      timeout: 10_000,
    });

    alice.audio(0x1a01, 127);
    bob.audio(0x1b01, 10);

    await vi.waitFor(() => expect(speakers.at(-1)).toEqual({ ...BOB, producerId: bobMic }), {
      ...WAIT,
      timeout: 15_000,
    });
  }, 30_000);
});

describe('simulcast layers', () => {
  it('tells the consumer how many layers it has and refuses layers it does not have', async () => {
    const alice = await sender(ALICE);
    const camera = await produce(ALICE, alice, 'video', SIMULCAST);
    const mic = await produce(ALICE, alice, 'audio', [0x1a01]);
    const video = await receiver(BOB, camera);
    const audio = await receiver(BOB, mic);
    const bobsVideo = { ...BOB, consumerId: video.consumer.consumerId };

    expect(video.consumer.layers).toEqual({ spatial: 3, temporal: 1 });
    expect(audio.consumer.layers).toBeNull();

    await node.setPreferredLayers({ ...bobsVideo, spatialLayer: 2 });
    await node.setPreferredLayers({ ...bobsVideo, spatialLayer: 0, temporalLayer: 0 });
    for (const layers of [
      { spatialLayer: 3 },
      { spatialLayer: -1 },
      { spatialLayer: 0.5 },
      { spatialLayer: 0, temporalLayer: 1 },
    ]) {
      await expect(
        node.setPreferredLayers({ ...bobsVideo, ...layers }),
        JSON.stringify(layers),
      ).rejects.toMatchObject({ name: 'MediaError', code: 'invalid' });
    }
    await expect(
      node.setPreferredLayers({ ...BOB, consumerId: audio.consumer.consumerId, spatialLayer: 0 }),
    ).rejects.toMatchObject({ code: 'invalid' });
    await expect(
      node.setPreferredLayers({ ...CAROL, consumerId: video.consumer.consumerId, spatialLayer: 0 }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });

  it('forwards the preferred layer and reports each change of layers', async () => {
    const layerChanges = collect('consumerlayerschange');
    const alice = await sender(ALICE);
    const camera = await produce(ALICE, alice, 'video', SIMULCAST);

    for (const ssrc of SIMULCAST) alice.video(ssrc);
    alice.start();

    const { consumer, sink } = await receiver(BOB, camera);
    const bobsVideo = { ...BOB, consumerId: consumer.consumerId };
    const lastLayers = () =>
      layerChanges.filter((e) => e.consumerId === consumer.consumerId).at(-1)?.layers;

    await node.setPreferredLayers({ ...bobsVideo, spatialLayer: 0 });
    await node.resumeConsumer(bobsVideo);
    await vi.waitFor(
      () => expect(lastLayers()).toEqual({ spatialLayer: 0, temporalLayer: 0 }),
      WAIT,
    );

    await node.setPreferredLayers({ ...bobsVideo, spatialLayer: 2 });
    await vi.waitFor(
      () => expect(lastLayers()).toEqual({ spatialLayer: 2, temporalLayer: 0 }),
      WAIT,
    );

    // Paused, the consumer forwards nothing; resumed, it sends again.
    await node.pauseConsumer(bobsVideo);
    await vi.waitFor(() => expect(lastLayers()).toBeNull(), WAIT);

    const before = sink.packets.get(consumer.rtpParameters.encodings![0]!.ssrc!) ?? 0;

    await node.resumeConsumer(bobsVideo);
    await vi.waitFor(
      () =>
        expect(sink.packets.get(consumer.rtpParameters.encodings![0]!.ssrc!)).toBeGreaterThan(
          before + 5,
        ),
      WAIT,
    );
  }, 30_000);

  it('takes consumer priorities from 1 to 255 only', async () => {
    const alice = await sender(ALICE);
    const camera = await produce(ALICE, alice, 'video', SIMULCAST);
    const { consumer } = await receiver(BOB, camera);
    const bobsVideo = { ...BOB, consumerId: consumer.consumerId };

    await node.setConsumerPriority({ ...bobsVideo, priority: 200 });
    for (const priority of [0, 256, 1.5]) {
      await expect(node.setConsumerPriority({ ...bobsVideo, priority })).rejects.toMatchObject({
        code: 'invalid',
      });
    }
  });
});

describe('link statistics', () => {
  it('measure what each peer sends and receives, with the loss on a lossy uplink', async () => {
    const alice = await sender(ALICE);
    const camera = await produce(ALICE, alice, 'video', [0x5200]);
    const { consumer } = await receiver(BOB, camera);

    // Every fifth packet goes missing on the way in.
    alice.video(0x5200).dropEvery(5).start();
    await node.resumeConsumer({ ...BOB, consumerId: consumer.consumerId });

    await vi.waitFor(async () => {
      const stats = await node.roomLinkStats(ROOM);
      const alices = stats.find((s) => s.peerId === 'alice')!;
      const bobs = stats.find((s) => s.peerId === 'bob')!;

      expect(alices.uplink.bitrate).toBeGreaterThan(10_000);
      expect(alices.uplink.packetLoss).toBeGreaterThan(0.1);
      expect(alices.uplink.score).toBeLessThan(10);
      expect(bobs.downlink.bitrate).toBeGreaterThan(10_000);
      expect(bobs.uplink).toMatchObject({ bitrate: 0, score: null, packetLoss: null });
      // A plain transport has no congestion control and so no estimate.
      expect(bobs.downlink.availableBitrate).toBeNull();
    }, WAIT);
  }, 20_000);

  it('take the loss a receiver reports on its downlink', async () => {
    const alice = await sender(ALICE);
    const camera = await produce(ALICE, alice, 'video', [0x5300]);
    const { consumer, sink, transport } = await receiver(BOB, camera);

    alice.video(0x5300).start();
    await node.resumeConsumer({ ...BOB, consumerId: consumer.consumerId });
    sink.reportLoss(transport, 0.3);

    await vi.waitFor(async () => {
      const bobs = (await node.roomLinkStats(ROOM)).find((s) => s.peerId === 'bob')!;

      expect(bobs.downlink.packetLoss).toBeCloseTo(0.3, 1);
      expect(bobs.downlink.score).toBeLessThan(8);
    }, WAIT);
  }, 20_000);

  it('describe a peer that has no media yet as empty, and one that has as it is', async () => {
    expect(await node.describePeer(CAROL)).toEqual({
      transports: [],
      producers: [],
      consumers: [],
    });

    const send = await node.createWebRtcTransport({ ...ALICE, direction: 'send' });
    const alice = await sender(ALICE);
    const mic = await produce(ALICE, alice, 'audio', [0x1a01]);
    const { consumer } = await receiver(BOB, mic);

    expect(await node.describePeer(ALICE)).toEqual({
      transports: [
        { transportId: send.id, direction: 'send', iceState: 'new', dtlsState: 'new' },
        {
          transportId: (alice as RtpSource & { transportId: string }).transportId,
          direction: 'plain',
          iceState: null,
          dtlsState: null,
        },
      ],
      producers: [{ producerId: mic, kind: 'audio', source: 'microphone', paused: false }],
      consumers: [],
    });
    expect((await node.describePeer(BOB)).consumers).toEqual([
      { consumerId: consumer.consumerId, producerId: mic, kind: 'audio', paused: true },
    ]);
  });
});

describe('producers that close unasked', () => {
  it('are reported when their transport goes, but not when their peer leaves', async () => {
    const closed = collect('producerclosed');
    const alice = await sender(ALICE);
    const mic = await produce(ALICE, alice, 'audio', [0x1a01]);
    const bob = await sender(BOB);

    await produce(BOB, bob, 'audio', [0x1b01]);
    await node.closePeer(BOB);

    // The node closes a transport on its own only when it never connects; a room closing on a
    // dead worker is reported as roomclosed instead. Closing the transport directly stands in.
    const [transport] = await transportsOf(node, ALICE);

    const reported = once(node.events, 'producerclosed', { signal: AbortSignal.timeout(3_000) });

    transport!.close();

    expect(await reported).toEqual([{ ...ALICE, producerId: mic }]);
    expect(closed).toHaveLength(1);
  });
});

/** The transports of a peer, found through mediasoup's observer API. */
async function transportsOf(media: LocalMediaNode, peer: PeerRef): Promise<types.Transport[]> {
  const { transports } = await media.describePeer(peer);
  const ids = new Set(transports.map((t) => t.transportId));

  return observedTransports.filter((t) => ids.has(t.id));
}
