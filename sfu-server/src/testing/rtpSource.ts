import dgram from 'node:dgram';
import { once } from 'node:events';

import type { types } from 'mediasoup';

/*
 * A stand-in for a browser's sender in tests: Opus packets carrying the RFC 6464 audio level that
 * mediasoup's speaker observers read, and VP8 frames on one or more simulcast streams that answer
 * key-frame requests, as RTP over UDP to a plain transport. It can drop packets as a lossy link
 * would, so that scores and loss statistics have something to measure.
 */

export const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';
const AUDIO_LEVEL_EXTENSION_ID = 1;
const OPUS_PAYLOAD_TYPE = 100;
const VP8_PAYLOAD_TYPE = 101;
const TICK_MS = 20;
/** Video frames go out on every third tick: 60 ms apart, about 17 frames a second. */
const TICKS_PER_FRAME = 3;
/** A key frame now and then, so that a stream recovers even if a request was lost. */
const FRAMES_PER_KEY_FRAME = 30;
/** Sender reports go out every 25 ticks (500 ms); mediasoup scores a stream on each one. */
const TICKS_PER_SENDER_REPORT = 25;
/**
 * Speech is not one steady level: mediasoup's speaker observer measures a voice against the
 * quietest level it has heard from it, so a speaking stream drops this much lower now and then.
 */
const SPEECH_PAUSE_DROP = 60;
/** Seconds between 1900 (NTP's epoch) and 1970. */
const NTP_EPOCH_OFFSET = 2_208_988_800;

/** What the producer is told it receives: Opus with the audio level in every packet. */
export function opusParameters(ssrc: number): types.RtpParameters {
  return {
    codecs: [
      { mimeType: 'audio/opus', payloadType: OPUS_PAYLOAD_TYPE, clockRate: 48000, channels: 2 },
    ],
    headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: AUDIO_LEVEL_EXTENSION_ID }],
    encodings: [{ ssrc }],
    rtcp: { cname: 'rtp-source' },
  };
}

/** VP8 as one stream, or as simulcast with one stream per SSRC, lowest resolution first. */
export function vp8Parameters(ssrcs: number[]): types.RtpParameters {
  return {
    codecs: [
      {
        mimeType: 'video/VP8',
        payloadType: VP8_PAYLOAD_TYPE,
        clockRate: 90000,
        rtcpFeedback: [
          { type: 'nack' },
          { type: 'nack', parameter: 'pli' },
          { type: 'ccm', parameter: 'fir' },
        ],
      },
    ],
    encodings: ssrcs.map((ssrc) =>
      ssrcs.length > 1 ? { ssrc, scalabilityMode: 'L1T1' } : { ssrc },
    ),
    rtcp: { cname: 'rtp-source' },
  };
}

interface Stream {
  kind: 'audio' | 'video';
  ssrc: number;
  sequence: number;
  timestamp: number;
  /** Audio: dBov below full scale, 0 loudest, 127 silence. */
  level: number;
  frames: number;
  pictureId: number;
  isKeyFrameWanted: boolean;
  packetsSent: number;
  octetsSent: number;
}

export class RtpSource {
  readonly #socket: dgram.Socket;
  readonly #target: { ip: string; port: number };
  readonly #streams = new Map<number, Stream>();
  #timer: NodeJS.Timeout | null = null;
  #ticks = 0;
  #dropEvery: number | null = null;
  /** Key-frame requests (PLI or FIR) received. */
  keyFrameRequests = 0;

  private constructor(socket: dgram.Socket, target: { ip: string; port: number }) {
    this.#socket = socket;
    this.#target = target;
    socket.on('message', (packet) => this.#onRtcp(packet));
  }

  static async open(target: { ip: string; port: number }): Promise<RtpSource> {
    const socket = dgram.createSocket('udp4');

    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');

    return new RtpSource(socket, target);
  }

  /** Sends Opus on `ssrc` at `level` dBov below full scale (0 loudest, 127 silence). */
  audio(ssrc: number, level: number): this {
    const stream = this.#streams.get(ssrc) ?? this.#add('audio', ssrc);

    stream.level = level;

    return this;
  }

  video(ssrc: number): this {
    if (!this.#streams.has(ssrc)) this.#add('video', ssrc);

    return this;
  }

  /** Leaves out every nth packet of each stream (its sequence number still counts), or none. */
  dropEvery(n: number | null): this {
    this.#dropEvery = n;

    return this;
  }

  start(): this {
    this.#timer ??= setInterval(() => this.#tick(), TICK_MS);

    return this;
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  close(): void {
    this.stop();
    this.#socket.close();
  }

  #add(kind: Stream['kind'], ssrc: number): Stream {
    const stream: Stream = {
      kind,
      ssrc,
      sequence: 1,
      timestamp: 0,
      level: 127,
      frames: 0,
      pictureId: 0,
      isKeyFrameWanted: true,
      packetsSent: 0,
      octetsSent: 0,
    };

    this.#streams.set(ssrc, stream);

    return stream;
  }

  #tick(): void {
    const tick = this.#ticks++;

    for (const stream of this.#streams.values()) {
      if (stream.kind === 'audio') {
        this.#send(stream, this.#opusPacket(stream, tick), 960);
      } else if (tick % TICKS_PER_FRAME === 0) {
        this.#send(stream, this.#vp8Packet(stream), 90 * TICK_MS * TICKS_PER_FRAME);
      }
      if (tick % TICKS_PER_SENDER_REPORT === 0 && stream.packetsSent > 0) {
        this.#socket.send(senderReport(stream), this.#target.port, this.#target.ip);
      }
    }
  }

  #send(stream: Stream, packet: Buffer, timestampStep: number): void {
    const isDropped = this.#dropEvery !== null && stream.sequence % this.#dropEvery === 0;

    stream.sequence = (stream.sequence + 1) & 0xffff;
    stream.timestamp = (stream.timestamp + timestampStep) >>> 0;
    if (isDropped) return;

    stream.packetsSent++;
    stream.octetsSent += packet.length - 12;
    this.#socket.send(packet, this.#target.port, this.#target.ip);
  }

  #opusPacket(stream: Stream, tick: number): Buffer {
    // RTP header with the one-byte header extension profile (RFC 8285): one element, the audio
    // level with its voice activity bit set while there is something to hear.
    const header = this.#rtpHeader(stream, OPUS_PAYLOAD_TYPE, true, false);
    const isSpeaking = stream.level < 127;
    const level =
      isSpeaking && tick % 10 >= 8 ? Math.min(126, stream.level + SPEECH_PAUSE_DROP) : stream.level;
    const extension = Buffer.from([
      0xbe,
      0xde,
      0x00,
      0x01,
      (AUDIO_LEVEL_EXTENSION_ID << 4) | 0,
      (isSpeaking ? 0x80 : 0) | level,
      0x00,
      0x00,
    ]);
    // Opus TOC byte (CELT fullband, 20 ms, one frame) and some payload.
    const payload = Buffer.alloc(60, 0x3c);

    payload[0] = 0xf8;

    return Buffer.concat([header, extension, payload]);
  }

  #vp8Packet(stream: Stream): Buffer {
    const isKeyFrame = stream.isKeyFrameWanted || stream.frames % FRAMES_PER_KEY_FRAME === 0;
    const header = this.#rtpHeader(stream, VP8_PAYLOAD_TYPE, false, true);
    const payload = Buffer.alloc(300, 0x5a);

    stream.isKeyFrameWanted = false;
    stream.frames++;
    stream.pictureId = (stream.pictureId + 1) & 0x7fff;
    // VP8 payload descriptor (RFC 7741): extended, start of partition 0, a 15-bit picture id; then
    // the frame's first byte, whose lowest bit is clear on a key frame.
    payload[0] = 0x90;
    payload[1] = 0x80;
    payload[2] = 0x80 | (stream.pictureId >> 8);
    payload[3] = stream.pictureId & 0xff;
    payload[4] = isKeyFrame ? 0x10 : 0x11;

    return Buffer.concat([header, payload]);
  }

  #rtpHeader(stream: Stream, payloadType: number, hasExtension: boolean, marker: boolean): Buffer {
    const header = Buffer.alloc(12);

    header[0] = hasExtension ? 0x90 : 0x80;
    header[1] = (marker ? 0x80 : 0) | payloadType;
    header.writeUInt16BE(stream.sequence, 2);
    header.writeUInt32BE(stream.timestamp, 4);
    header.writeUInt32BE(stream.ssrc, 8);

    return header;
  }

  /** Walks a compound RTCP packet for PLI (206/1) or FIR (206/4) and sends key frames next. */
  #onRtcp(packet: Buffer): void {
    let offset = 0;

    while (offset + 4 <= packet.length) {
      const format = packet[offset]! & 0x1f;
      const type = packet[offset + 1]!;

      if (type === 206 && (format === 1 || format === 4)) {
        this.keyFrameRequests++;
        for (const stream of this.#streams.values()) stream.isKeyFrameWanted = true;
      }
      offset += (packet.readUInt16BE(offset + 2) + 1) * 4;
    }
  }
}

/** An RTCP sender report (RFC 3550): the stream's clock against wall time, and what was sent. */
function senderReport(stream: Stream): Buffer {
  const report = Buffer.alloc(28);
  const now = Date.now() / 1000 + NTP_EPOCH_OFFSET;

  report[0] = 0x80;
  report[1] = 200;
  report.writeUInt16BE(report.length / 4 - 1, 2);
  report.writeUInt32BE(stream.ssrc, 4);
  report.writeUInt32BE(Math.floor(now) >>> 0, 8);
  report.writeUInt32BE(Math.floor((now % 1) * 2 ** 32) >>> 0, 12);
  report.writeUInt32BE(stream.timestamp, 16);
  report.writeUInt32BE(stream.packetsSent >>> 0, 20);
  report.writeUInt32BE(stream.octetsSent >>> 0, 24);

  return report;
}

/**
 * A UDP socket that counts the RTP packets a plain transport sends it, by SSRC, and can answer with
 * RTCP receiver reports claiming a share of them lost, as a receiver on a lossy downlink would.
 */
export class RtpSink {
  readonly packets = new Map<number, number>();
  readonly #socket: dgram.Socket;
  readonly #highest = new Map<number, { first: number; last: number }>();
  #reports: NodeJS.Timeout | null = null;

  private constructor(socket: dgram.Socket) {
    this.#socket = socket;
    socket.on('message', (packet) => {
      // RTCP shares the port (RTCP-mux); its packet types, in the second byte, are 192-223.
      if (packet.length < 12 || (packet[1]! >= 192 && packet[1]! <= 223)) return;

      const ssrc = packet.readUInt32BE(8);
      const sequence = packet.readUInt16BE(2);
      const seen = this.#highest.get(ssrc);

      this.packets.set(ssrc, (this.packets.get(ssrc) ?? 0) + 1);
      this.#highest.set(ssrc, { first: seen?.first ?? sequence, last: sequence });
    });
  }

  static async open(): Promise<RtpSink> {
    const socket = dgram.createSocket('udp4');

    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');

    return new RtpSink(socket);
  }

  get address(): { ip: string; port: number } {
    return { ip: '127.0.0.1', port: this.#socket.address().port };
  }

  /** Reports `fraction` (0-1) of every stream lost to `transport`, twice a second. */
  reportLoss(transport: { ip: string; port: number }, fraction: number): this {
    if (this.#reports) clearInterval(this.#reports);
    this.#reports = setInterval(() => {
      for (const [ssrc, { first, last }] of this.#highest) {
        const expected = ((last - first) & 0xffff) + 1;

        this.#socket.send(
          receiverReport(ssrc, last, fraction, Math.round(expected * fraction)),
          transport.port,
          transport.ip,
        );
      }
    }, 500);

    return this;
  }

  close(): void {
    if (this.#reports) clearInterval(this.#reports);
    this.#socket.close();
  }
}

/** An RTCP receiver report (RFC 3550) with one report block. */
function receiverReport(ssrc: number, lastSequence: number, fraction: number, lost: number) {
  const report = Buffer.alloc(32);

  report[0] = 0x81;
  report[1] = 201;
  report.writeUInt16BE(report.length / 4 - 1, 2);
  report.writeUInt32BE(0x7e57, 4);
  report.writeUInt32BE(ssrc, 8);
  report.writeUInt32BE((((Math.round(fraction * 256) & 0xff) << 24) | (lost & 0xffffff)) >>> 0, 12);
  report.writeUInt32BE(lastSequence, 16);

  return report;
}
