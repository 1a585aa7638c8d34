import type { types } from 'mediasoup';

export interface MediaNodeOptions {
  /** Number of mediasoup workers. Default: one per CPU core. */
  numWorkers?: number;
  /** Address the WebRTC transports listen on. Default: 127.0.0.1. */
  listenIp?: string;
  /** Address announced to clients in ICE candidates, when listenIp is not reachable as such. */
  announcedIp?: string;
  /**
   * Whether all WebRTC transports of a worker share one UDP and one TCP port (mediasoup's
   * WebRtcServer). Default: true. When false, each transport takes its own ports from the range.
   */
  webRtcServer?: boolean;
  /**
   * The WebRtcServer port of the first worker; worker i listens on webRtcPort + i, UDP and TCP.
   * Default: each worker takes one free port from rtcMinPort-rtcMaxPort.
   */
  webRtcPort?: number;
  /** Lowest and highest UDP/TCP port for WebRTC and plain transports. Default: 40000-49999. */
  rtcMinPort?: number;
  rtcMaxPort?: number;
  /** Outgoing bitrate a fresh transport starts from, in bit/s. Default: 1,000,000. */
  initialAvailableOutgoingBitrate?: number;
  logLevel?: types.WorkerLogLevel;
  /**
   * Consumers one worker should carry. A room whose worker holds this many takes its next peers on
   * a router of another worker, with the room's producers piped between its routers. Default: 500.
   */
  maxConsumersPerWorker?: number;
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
