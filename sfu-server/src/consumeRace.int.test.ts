import type { types } from 'mediasoup';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';

import { MediaError } from './errors.ts';
import { LocalMediaNode } from './LocalMediaNode.ts';
import type { PeerRef } from './MediaNode.ts';

const ROUNDS = 200;
const ROOM = 'race-room';
const SENDER: PeerRef = { roomId: ROOM, peerId: 'sender' };
const RECEIVER: PeerRef = { roomId: ROOM, peerId: 'receiver' };

let node: LocalMediaNode;

beforeAll(async () => {
  node = await LocalMediaNode.create(
    { numWorkers: 1, rtcMinPort: 31700, rtcMaxPort: 31799 },
    pino({ level: 'silent' }),
  );
});

afterAll(async () => {
  await node.close();
});

/** What a failed call was refused with, as 'not_found', or the unexpected error's text. */
function refusal(error: unknown): string {
  return error instanceof MediaError ? error.code : `unexpected: ${String(error)}`;
}

it(`a producer closed while its consumer is being set up leaves no consumer behind, ${ROUNDS} times`, async () => {
  const { rtpCapabilities } = await node.openRoom(ROOM);
  const send = await node.createWebRtcTransport({ ...SENDER, direction: 'send' });
  const recv = await node.createWebRtcTransport({ ...RECEIVER, direction: 'recv' });
  const created = new Set<string>();
  const reportedClosed = new Set<string>();
  const outcomes = new Map<string, number>();
  const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

  node.events.on('consumerclosed', ({ peerId, consumerId }) => {
    if (peerId === RECEIVER.peerId) reportedClosed.add(consumerId);
  });

  for (let round = 0; round < ROUNDS; round++) {
    const { producerId } = await node.produce({
      ...SENDER,
      transportId: send.id,
      kind: 'audio',
      rtpParameters: opus(1000 + round),
      source: 'microphone',
    });
    // Spread the close over the consumer's set-up: before, during and after the worker's answer.
    const closing = new Promise((resolve) => setTimeout(resolve, round % 3)).then(() =>
      node.closeProducer({ ...SENDER, producerId }),
    );
    const consuming = node
      .consume({ ...RECEIVER, transportId: recv.id, producerId, rtpCapabilities })
      .then(async ({ consumerId }) => {
        created.add(consumerId);
        await node.resumeConsumer({ ...RECEIVER, consumerId });
        count('resumed');
      })
      .catch((error: unknown) => count(refusal(error)));

    await Promise.all([closing, consuming]);
  }

  // Every consumer that was handed out is closed again, and the receiver is told of each one.
  await vi.waitFor(() => expect(reportedClosed).toEqual(created), { timeout: 5000, interval: 20 });
  expect(await node.stats()).toMatchObject({ producers: 0, consumers: 0, transports: 2 });
  expect([...outcomes.keys()].filter((o) => o !== 'resumed' && o !== 'not_found')).toEqual([]);
  console.info(`${ROUNDS} consume/close races:`, Object.fromEntries(outcomes));
});

function opus(ssrc: number): types.RtpParameters {
  return {
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
    encodings: [{ ssrc }],
    rtcp: { cname: 'race' },
  };
}
