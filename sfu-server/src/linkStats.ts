import type { types } from 'mediasoup';

import type { LinkStats, PeerLinkStats } from './MediaNode.ts';
import type { PeerMedia } from './PeerMedia.ts';

/*
 * A peer's link to the node, measured from both ends of its streams: the transports count the
 * bits, mediasoup scores every stream from its losses, and RTCP receiver reports carry loss and
 * round-trip time. Only a few streams per peer are asked for their statistics: they share the
 * peer's link, so a few tell as much as all of them.
 */

/** Streams per direction whose RTCP statistics are fetched from the worker on each check. */
const SAMPLED_STREAMS = 3;

/** RTCP carries the fraction lost as an 8-bit fixed-point number. */
const FRACTION_LOST_SCALE = 256;

type StreamStat = { type: string; fractionLost: number; roundTripTime?: number };
type TransportStat = {
  recvBitrate: number;
  sendBitrate: number;
  availableOutgoingBitrate?: number;
};

export async function peerLinkStats(peer: PeerMedia): Promise<PeerLinkStats> {
  const transports = [...peer.transports()];
  const producers = [...peer.producers()].filter((p) => !p.closed);
  const consumers = [...peer.consumers()].filter(
    (c) => !c.closed && !c.paused && !c.producerPaused,
  );
  const [transportStats, producerStats, consumerStats] = await Promise.all([
    Promise.all(transports.map((t) => statsOf<TransportStat>(t))),
    Promise.all(producers.slice(0, SAMPLED_STREAMS).map((p) => statsOf(p))),
    Promise.all(consumers.slice(0, SAMPLED_STREAMS).map((c) => statsOf(c))),
  ]);
  const transportRows = transportStats.flat();
  let availableBitrate: number | null = null;

  transports.forEach((transport, i) => {
    const isReceiving = (transport.appData as { direction?: string }).direction === 'recv';
    const estimate = transportStats[i]?.[0]?.availableOutgoingBitrate;

    if (isReceiving && typeof estimate === 'number') {
      availableBitrate = (availableBitrate ?? 0) + estimate;
    }
  });

  return {
    peerId: peer.peerId,
    uplink: {
      bitrate: sum(transportRows.map((s) => s.recvBitrate)),
      score: lowest(producers.map(bestEncodingScore)),
      ...rtcp(producerStats.flat(), 'inbound-rtp'),
    },
    downlink: {
      bitrate: sum(transportRows.map((s) => s.sendBitrate)),
      score: mean(consumers.map((c) => c.score.score)),
      ...rtcp(consumerStats.flat(), 'outbound-rtp'),
      availableBitrate,
    },
  };
}

/** Statistics of an object that may close while the worker is asked; nothing then. */
async function statsOf<T>(object: { getStats(): Promise<T[]> }): Promise<T[]> {
  return object.getStats().catch(() => []);
}

/**
 * A simulcast producer's best layer: a browser drops its upper layers on purpose when its uplink
 * is short, which is not loss. Null until the worker has scored a stream.
 */
function bestEncodingScore(producer: types.Producer): number | null {
  return producer.score.length === 0 ? null : Math.max(...producer.score.map((s) => s.score));
}

/** The worst loss and round-trip time that the sampled streams of one direction report. */
function rtcp(
  stats: StreamStat[],
  type: 'inbound-rtp' | 'outbound-rtp',
): Pick<LinkStats, 'packetLoss' | 'roundTripTime'> {
  const streams = stats.filter((s) => s.type === type);
  const roundTrips = streams.flatMap((s) =>
    typeof s.roundTripTime === 'number' && s.roundTripTime > 0 ? [s.roundTripTime] : [],
  );

  return {
    packetLoss:
      streams.length === 0
        ? null
        : Math.max(...streams.map((s) => s.fractionLost)) / FRACTION_LOST_SCALE,
    roundTripTime: roundTrips.length === 0 ? null : Math.max(...roundTrips),
  };
}

function sum(values: number[]): number {
  return values.reduce((total, v) => total + (Number.isFinite(v) ? v : 0), 0);
}

function lowest(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);

  return known.length === 0 ? null : Math.min(...known);
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : sum(values) / values.length;
}
