import { once } from 'node:events';

import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { pino } from 'pino';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

import { LocalMediaNode } from './LocalMediaNode.ts';
import type { MediaNodeEvents, PeerRef } from './MediaNode.ts';
import { opusParameters, RtpSink, RtpSource } from './testing/rtpSource.ts';

/*
 * A room larger than one worker: with a limit of two consumers per worker, the third peer of a
 * room lands on a router of the other worker, and media crosses between the two through pipes.
 */

const silent = pino({ level: 'silent' });
const ROOM = 'big-room';
const EVENT_TIMEOUT_MS = 5_000;
const peer = (peerId: string): PeerRef => ({ roomId: ROOM, peerId });

/** Which worker each transport's router lives on, seen through mediasoup's observer API. */
const workerOfTransport = new Map<string, number>();
const pipeTransports: types.Transport[] = [];

beforeAll(() => {
  mediasoup.observer.on('newworker', (worker) => {
    worker.observer.on('newrouter', (router) => {
      router.observer.on('newtransport', (transport) => {
        workerOfTransport.set(transport.id, worker.pid);
        if (transport.constructor.name === 'PipeTransport') pipeTransports.push(transport);
      });
    });
  });
});

let node: LocalMediaNode;
const closers: { close(): void }[] = [];

beforeEach(async () => {
  pipeTransports.length = 0;
  node = await LocalMediaNode.create(
    { numWorkers: 2, rtcMinPort: 33600, rtcMaxPort: 33799, maxConsumersPerWorker: 2 },
    silent,
  );
});

afterEach(async () => {
  for (const closer of closers.splice(0)) closer.close();
  await node.close();
});

async function speak(who: PeerRef, ssrc: number, level: number) {
  const ingest = await node.createPlainTransport({ ...who, comedia: true });
  const { producerId } = await node.produce({
    ...who,
    transportId: ingest.id,
    kind: 'audio',
    rtpParameters: opusParameters(ssrc),
    source: 'microphone',
  });
  const source = (await RtpSource.open(ingest)).audio(ssrc, level).start();

  closers.push(source);

  return { transportId: ingest.id, producerId };
}

async function listen(who: PeerRef) {
  const egress = await node.createPlainTransport(who);
  const sink = await RtpSink.open();

  closers.push(sink);
  await node.connectPlainTransport({ ...who, transportId: egress.id, ...sink.address });

  return { transportId: egress.id, sink };
}

async function consume(who: PeerRef, transportId: string, producerId: string, sink: RtpSink) {
  const { rtpCapabilities } = await node.openRoom(ROOM);
  const consumer = await node.consume({ ...who, transportId, producerId, rtpCapabilities });

  await node.resumeConsumer({ ...who, consumerId: consumer.consumerId });

  const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc ?? -1;

  return { consumer, packets: () => sink.packets.get(ssrc) ?? 0 };
}

describe('a room across workers', () => {
  it('peers beyond the limit go to another worker and hear the others through a pipe', async () => {
    await node.openRoom(ROOM);
    const [firstWorker, secondWorker] = node.workerPids();
    const alice = await speak(peer('alice'), 1111, 30);
    const bob = await listen(peer('bob'));
    const carol = await listen(peer('carol'));

    await consume(peer('bob'), bob.transportId, alice.producerId, bob.sink);
    await consume(peer('carol'), carol.transportId, alice.producerId, carol.sink);

    const homeWorker = workerOfTransport.get(alice.transportId);

    expect([firstWorker, secondWorker]).toContain(homeWorker);
    expect(workerOfTransport.get(bob.transportId)).toBe(homeWorker);
    expect(workerOfTransport.get(carol.transportId)).toBe(homeWorker);
    expect(pipeTransports).toHaveLength(0);

    // The home worker carries two consumers now: dave goes to the other worker.
    const dave = await listen(peer('dave'));
    const daveWorker = workerOfTransport.get(dave.transportId);

    expect(daveWorker).not.toBe(homeWorker);
    expect([firstWorker, secondWorker]).toContain(daveWorker);

    const daveHearsAlice = await consume(
      peer('dave'),
      dave.transportId,
      alice.producerId,
      dave.sink,
    );

    expect(pipeTransports).toHaveLength(2);
    await vi.waitFor(() => expect(daveHearsAlice.packets()).toBeGreaterThan(10), {
      timeout: EVENT_TIMEOUT_MS,
    });

    // And the other way: what dave sends on his worker reaches bob on alice's.
    const daveSpeaks = await speak(peer('dave'), 4444, 20);
    const bobHearsDave = await consume(
      peer('bob'),
      bob.transportId,
      daveSpeaks.producerId,
      bob.sink,
    );

    await vi.waitFor(() => expect(bobHearsDave.packets()).toBeGreaterThan(10), {
      timeout: EVENT_TIMEOUT_MS,
    });
    // One pair of pipe transports carries both directions.
    expect(pipeTransports).toHaveLength(2);
    expect(await node.stats()).toMatchObject({ rooms: 1, producers: 2, consumers: 4 });
  });

  it("a voice on the second worker can be the room's dominant speaker", async () => {
    await node.openRoom(ROOM);
    await speak(peer('alice'), 1111, 127);

    for (const listener of ['bob', 'carol']) {
      const { transportId, sink } = await listen(peer(listener));
      const [alice] = (await node.describePeer(peer('alice'))).producers;

      await consume(peer(listener), transportId, alice!.producerId, sink);
    }

    const speakers: MediaNodeEvents['activespeaker'][0][] = [];

    node.events.on('activespeaker', (event) => speakers.push(event));

    const dave = await speak(peer('dave'), 4444, 20);

    expect(workerOfTransport.get(dave.transportId)).not.toBe(
      workerOfTransport.get((await node.describePeer(peer('alice'))).transports[0]!.transportId),
    );
    // The observer may name silent alice first, being the only voice it had; dave then takes over.
    await vi.waitFor(
      () => expect(speakers.at(-1)).toEqual({ ...peer('dave'), producerId: dave.producerId }),
      { timeout: EVENT_TIMEOUT_MS },
    );
  });

  it('closing a piped producer closes its consumers on the other worker, and tells them', async () => {
    await node.openRoom(ROOM);
    const alice = await speak(peer('alice'), 1111, 30);

    for (const listener of ['bob', 'carol']) {
      const { transportId, sink } = await listen(peer(listener));

      await consume(peer(listener), transportId, alice.producerId, sink);
    }

    const dave = await listen(peer('dave'));
    const { consumer } = await consume(peer('dave'), dave.transportId, alice.producerId, dave.sink);
    const closed: MediaNodeEvents['consumerclosed'][0][] = [];

    node.events.on('consumerclosed', (event) => closed.push(event));
    await node.closeProducer({ ...peer('alice'), producerId: alice.producerId });

    await vi.waitFor(() => expect(closed).toHaveLength(3), { timeout: EVENT_TIMEOUT_MS });
    expect(closed).toContainEqual({ ...peer('dave'), consumerId: consumer.consumerId });
    expect((await node.stats()).consumers).toBe(0);
  });

  it('a dead worker closes a room that had a leg on it, whichever leg', async () => {
    await node.openRoom(ROOM);
    const alice = await speak(peer('alice'), 1111, 30);

    for (const listener of ['bob', 'carol']) {
      const { transportId, sink } = await listen(peer(listener));

      await consume(peer(listener), transportId, alice.producerId, sink);
    }

    const dave = await listen(peer('dave'));
    const closed = once(node.events as never, 'roomclosed', {
      signal: AbortSignal.timeout(EVENT_TIMEOUT_MS),
    }) as Promise<MediaNodeEvents['roomclosed']>;

    process.kill(workerOfTransport.get(dave.transportId)!, 'SIGKILL');

    expect(await closed).toEqual([{ roomId: ROOM, reason: 'worker_died' }]);
    expect((await node.stats()).rooms).toBe(0);
  });

  it('with every worker at the limit, a new peer still joins, on the least busy leg', async () => {
    await node.openRoom(ROOM);
    const alice = await speak(peer('alice'), 1111, 30);

    for (const listener of ['bob', 'carol', 'dave', 'erin']) {
      const { transportId, sink } = await listen(peer(listener));

      await consume(peer(listener), transportId, alice.producerId, sink);
    }

    const late = await listen(peer('frank'));

    expect(workerOfTransport.get(late.transportId)).toEqual(expect.any(Number));
    await consume(peer('frank'), late.transportId, alice.producerId, late.sink);
    expect((await node.stats()).consumers).toBe(5);
  });
});
