import dgram from 'node:dgram';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';

import type { types } from 'mediasoup';

/*
 * One synthetic participant: VP8-sized video at about 1 Mbit/s and Opus-sized audio at 48 kbit/s,
 * as RTP over UDP to a media server's plain transport. Every packet ends with a tag (kind, packet
 * number, send time) that the media server forwards untouched, so that the sinks can count exactly
 * which packets arrived however late, and how long forwarding took.
 */

export type StreamKind = 'video' | 'audio';

export const VIDEO = {
  ssrc: 0x1eab0001,
  payloadType: 96,
  clockRate: 90_000,
  framesPerSecond: 30,
  packetsPerFrame: 4,
  /** RTP payload bytes: a VP8 payload descriptor, the frame data and the tag. */
  payloadBytes: 1050,
  /**
   * The packets of a frame go out this far apart, as a browser's pacer spreads them; sent all at
   * once, each would arrive at the server in a burst that the server multiplies by its consumers.
   */
  packetSpacingMs: 3,
} as const;

export const AUDIO = {
  ssrc: 0x1eab0002,
  payloadType: 111,
  clockRate: 48_000,
  packetMs: 20,
  payloadBytes: 120,
} as const;

/** Payload bits per second of each stream, for the report. */
export const BITRATES = {
  video: VIDEO.framesPerSecond * VIDEO.packetsPerFrame * VIDEO.payloadBytes * 8,
  audio: (1000 / AUDIO.packetMs) * AUDIO.payloadBytes * 8,
};

export const PACKETS_PER_SECOND = {
  video: VIDEO.framesPerSecond * VIDEO.packetsPerFrame,
  audio: 1000 / AUDIO.packetMs,
};

export const TAG_BYTES = 14;
const TAG_MAGIC = 0xa7;
const KIND_CODE: Record<StreamKind, number> = { video: 0, audio: 1 };
const HEADER_BYTES = 12;

/** If the event loop stalls longer than this, the sender skips ahead rather than bursting. */
const MAX_CATCH_UP_MS = 100;

/** What the producer on the media server is told it will receive. */
export function producerRtpParameters(kind: StreamKind): types.RtpParameters {
  if (kind === 'video') {
    return {
      codecs: [
        {
          mimeType: 'video/VP8',
          payloadType: VIDEO.payloadType,
          clockRate: VIDEO.clockRate,
          // Without PLI the server could not ask for the key frame a new consumer waits for.
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
        },
      ],
      encodings: [{ ssrc: VIDEO.ssrc }],
      rtcp: { cname: 'bench-sender' },
    };
  }

  return {
    codecs: [
      { mimeType: 'audio/opus', payloadType: AUDIO.payloadType, clockRate: 48_000, channels: 2 },
    ],
    encodings: [{ ssrc: AUDIO.ssrc }],
    rtcp: { cname: 'bench-sender' },
  };
}

/** Reads the tag a sender put at the end of a forwarded RTP packet; null for anything else. */
export function readTag(
  packet: Buffer,
): { kind: StreamKind; packetNumber: number; sentAt: number } | null {
  // RTP version 2 without padding (padding-only probes carry no tag), and long enough.
  if (packet.length < HEADER_BYTES + TAG_BYTES || (packet[0]! & 0xe0) !== 0x80) return null;

  const at = packet.length - TAG_BYTES;

  if (packet[at] !== TAG_MAGIC) return null;

  return {
    kind: packet[at + 1] === KIND_CODE.video ? 'video' : 'audio',
    packetNumber: packet.readUInt32BE(at + 2),
    sentAt: packet.readDoubleBE(at + 6),
  };
}

export class SyntheticSender {
  /** Packets sent so far of each kind; also the number the next packet will carry. */
  readonly sent: Record<StreamKind, number> = { video: 0, audio: 0 };
  /** Key-frame requests (PLI or FIR) received from the media server. */
  keyFrameRequests = 0;
  keyFramesSent = 0;
  readonly #socket: dgram.Socket;
  readonly #target: { ip: string; port: number };
  #timer: NodeJS.Timeout | null = null;
  #startedAt = 0;
  /** Video and audio packets scheduled since start(), sent or skipped. */
  #videoPackets = 0;
  #audioPackets = 0;
  /** Frames and audio packets of earlier runs, so that RTP timestamps go on rising after a stop. */
  #earlierFrames = 0;
  #earlierAudioPackets = 0;
  #sequence: Record<StreamKind, number> = { video: 0, audio: 0 };
  #pictureId = 0;
  #keyFrameWanted = true;
  /** Whether the frame being sent is a key frame. */
  #isKeyFrame = false;

  private constructor(socket: dgram.Socket, target: { ip: string; port: number }) {
    this.#socket = socket;
    this.#target = target;
    socket.on('message', (packet) => this.#onRtcp(packet));
  }

  static async open(target: { ip: string; port: number }): Promise<SyntheticSender> {
    const socket = dgram.createSocket('udp4');

    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');

    return new SyntheticSender(socket, target);
  }

  start(): void {
    if (this.#timer) return;

    this.#earlierFrames += Math.ceil(this.#videoPackets / VIDEO.packetsPerFrame);
    this.#earlierAudioPackets += this.#audioPackets;
    this.#startedAt = performance.now();
    this.#videoPackets = 0;
    this.#audioPackets = 0;
    this.#timer = setInterval(() => this.#tick(), 2);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  close(): void {
    this.stop();
    this.#socket.close();
  }

  /** Sends every video and audio packet that is due by now, as a real-time source would. */
  #tick(): void {
    const elapsed = performance.now() - this.#startedAt;
    const frameMs = 1000 / VIDEO.framesPerSecond;
    const videoDueAt = (index: number) =>
      Math.floor(index / VIDEO.packetsPerFrame) * frameMs +
      (index % VIDEO.packetsPerFrame) * VIDEO.packetSpacingMs;

    // After a stall, skip to the current frame or audio packet as an encoder would, not burst.
    if (elapsed - videoDueAt(this.#videoPackets) > MAX_CATCH_UP_MS) {
      this.#videoPackets = Math.floor(elapsed / frameMs) * VIDEO.packetsPerFrame;
    }
    if (elapsed - this.#audioPackets * AUDIO.packetMs > MAX_CATCH_UP_MS) {
      this.#audioPackets = Math.floor(elapsed / AUDIO.packetMs);
    }

    while (videoDueAt(this.#videoPackets) <= elapsed) this.#sendVideo(this.#videoPackets++);
    while (this.#audioPackets * AUDIO.packetMs <= elapsed) this.#sendAudio(this.#audioPackets++);
  }

  #sendVideo(index: number): void {
    const frame = this.#earlierFrames + Math.floor(index / VIDEO.packetsPerFrame);
    const position = index % VIDEO.packetsPerFrame;
    const first = position === 0;
    const packet = Buffer.alloc(HEADER_BYTES + VIDEO.payloadBytes, 0x5a);

    if (first) {
      this.#isKeyFrame = this.#keyFrameWanted;
      this.#keyFrameWanted = false;
      if (this.#isKeyFrame) this.keyFramesSent++;
      this.#pictureId = (this.#pictureId + 1) & 0x7fff;
    }

    this.#writeHeader(
      packet,
      'video',
      position === VIDEO.packetsPerFrame - 1,
      (frame * (VIDEO.clockRate / VIDEO.framesPerSecond)) >>> 0,
    );
    // VP8 payload descriptor (RFC 7741): extended, start of partition on a frame's first packet,
    // and a 15-bit picture id. The byte after it has its lowest bit clear on a key frame.
    packet[HEADER_BYTES] = 0x80 | (first ? 0x10 : 0);
    packet[HEADER_BYTES + 1] = 0x80;
    packet[HEADER_BYTES + 2] = 0x80 | (this.#pictureId >> 8);
    packet[HEADER_BYTES + 3] = this.#pictureId & 0xff;
    packet[HEADER_BYTES + 4] = first && this.#isKeyFrame ? 0x10 : 0x11;
    this.#writeTagAndSend(packet, 'video');
  }

  #sendAudio(index: number): void {
    const packet = Buffer.alloc(HEADER_BYTES + AUDIO.payloadBytes, 0x3c);

    this.#writeHeader(packet, 'audio', false, ((this.#earlierAudioPackets + index) * 960) >>> 0);
    // Opus TOC byte: CELT fullband, 20 ms, one frame.
    packet[HEADER_BYTES] = 0xf8;
    this.#writeTagAndSend(packet, 'audio');
  }

  #writeHeader(packet: Buffer, kind: StreamKind, marker: boolean, timestamp: number): void {
    const stream = kind === 'video' ? VIDEO : AUDIO;

    packet[0] = 0x80;
    packet[1] = (marker ? 0x80 : 0) | stream.payloadType;
    packet.writeUInt16BE(this.#sequence[kind], 2);
    this.#sequence[kind] = (this.#sequence[kind] + 1) & 0xffff;
    packet.writeUInt32BE(timestamp, 4);
    packet.writeUInt32BE(stream.ssrc, 8);
  }

  #writeTagAndSend(packet: Buffer, kind: StreamKind): void {
    const at = packet.length - TAG_BYTES;

    packet[at] = TAG_MAGIC;
    packet[at + 1] = KIND_CODE[kind];
    packet.writeUInt32BE(this.sent[kind]++, at + 2);
    packet.writeDoubleBE(performance.now(), at + 6);
    // A fresh buffer per packet: send() only reads it after resolving the address, a tick later.
    this.#socket.send(packet, this.#target.port, this.#target.ip);
  }

  /** Walks a compound RTCP packet for PLI (206/1) or FIR (206/4) and sends a key frame next. */
  #onRtcp(packet: Buffer): void {
    let offset = 0;

    while (offset + 4 <= packet.length) {
      const format = packet[offset]! & 0x1f;
      const type = packet[offset + 1]!;

      if (type === 206 && (format === 1 || format === 4)) {
        this.keyFrameRequests++;
        this.#keyFrameWanted = true;
      }
      offset += (packet.readUInt16BE(offset + 2) + 1) * 4;
    }
  }
}
