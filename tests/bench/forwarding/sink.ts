import dgram from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';

import type { StreamKind } from './rtp.ts';
import { readTag } from './rtp.ts';

/** Packet numbers counted per kind; at 120 video packets a second this lasts over two hours. */
const CAPACITY = 1 << 20;
const LATENCY_BUCKET_MS = 0.05;
/** Up to one second; later packets fall in the last bucket. */
const LATENCY_BUCKETS = 20_000;
/** As large as the kernel allows by default (net.core.rmem_max), to ride out short stalls. */
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * UDP sockets standing in for the receiving participants. They count, per packet number, how many
 * copies of each sent packet came back from the media server, and how long each took.
 */
export class PacketSinks {
  readonly ports: number[];
  /** RTCP and anything else without the sender's tag. */
  untagged = 0;
  readonly #sockets: dgram.Socket[];
  readonly #counts: Record<StreamKind, Uint32Array> = {
    video: new Uint32Array(CAPACITY),
    audio: new Uint32Array(CAPACITY),
  };
  readonly #latency = new Uint32Array(LATENCY_BUCKETS + 1);

  private constructor(sockets: dgram.Socket[]) {
    this.#sockets = sockets;
    this.ports = sockets.map((s) => s.address().port);
    for (const socket of sockets) socket.on('message', (packet) => this.#count(packet));
  }

  static async open(count: number): Promise<PacketSinks> {
    const sockets = await Promise.all(
      Array.from({ length: count }, async () => {
        const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });

        socket.bind(0, '127.0.0.1');
        await once(socket, 'listening');

        return socket;
      }),
    );

    return new PacketSinks(sockets);
  }

  /** Copies received of packets numbered from `from` up to, not including, `to`. */
  received(kind: StreamKind, from: number, to: number): number {
    let total = 0;

    for (let i = from; i < to && i < CAPACITY; i++) total += this.#counts[kind][i]!;

    return total;
  }

  resetLatency(): void {
    this.#latency.fill(0);
  }

  /** Milliseconds from the sender's send() to the sink's receipt, at percentile p. */
  latencyPercentile(p: number): number {
    const total = this.#latency.reduce((sum, n) => sum + n, 0);
    const rank = Math.ceil((p / 100) * total);
    let seen = 0;

    for (let bucket = 0; bucket <= LATENCY_BUCKETS; bucket++) {
      seen += this.#latency[bucket]!;
      if (seen >= rank && seen > 0) return (bucket + 1) * LATENCY_BUCKET_MS;
    }

    return NaN;
  }

  close(): void {
    for (const socket of this.#sockets) socket.close();
  }

  #count(packet: Buffer): void {
    const tag = readTag(packet);

    if (!tag) {
      this.untagged++;

      return;
    }

    if (tag.packetNumber < CAPACITY) this.#counts[tag.kind][tag.packetNumber]!++;

    const bucket = Math.floor((performance.now() - tag.sentAt) / LATENCY_BUCKET_MS);

    this.#latency[Math.min(LATENCY_BUCKETS, Math.max(0, bucket))]!++;
  }
}
