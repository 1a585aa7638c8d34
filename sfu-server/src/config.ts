import type { types } from 'mediasoup';

export interface MediaNodeOptions {
  /** Number of mediasoup workers. Default: one per CPU core. */
  numWorkers?: number;
  /** Address the WebRTC transports listen on. Default: 127.0.0.1. */
  listenIp?: string;
  /** Address announced to clients in ICE candidates, when listenIp is not reachable as such. */
  announcedIp?: string;
  /** Lowest and highest UDP/TCP port for WebRTC. Default: 40000-49999. */
  rtcMinPort?: number;
  rtcMaxPort?: number;
  /** Outgoing bitrate a fresh transport starts from, in bit/s. Default: 1,000,000. */
  initialAvailableOutgoingBitrate?: number;
  logLevel?: types.WorkerLogLevel;
}

export const mediaCodecs: types.RtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    parameters: { useinbandfec: 1, usedtx: 1 },
  },
  {
    kind: 'video',
    mimeType: 'video/VP8',
    clockRate: 90000,
    parameters: { 'x-google-start-bitrate': 600 },
  },
];
