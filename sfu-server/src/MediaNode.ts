import type { EventEmitter } from 'node:events';

import type { types } from 'mediasoup';

/*
 * The interface through which signalling drives a media node. Every argument and result is plain
 * JSON, and every call names the room and peer it acts for, so that the same interface can be
 * served in-process (LocalMediaNode) or by a media node in another process or on another host.
 */

export type MediaKind = 'audio' | 'video';
export type TransportDirection = 'send' | 'recv';

export interface PeerRef {
  roomId: string;
  peerId: string;
}

export interface WebRtcTransportInfo {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** Where a plain RTP transport receives; RTP and RTCP share the port (RTCP-mux). */
export interface PlainTransportInfo {
  id: string;
  ip: string;
  port: number;
}

export interface ConsumerInfo {
  consumerId: string;
  producerId: string;
  kind: MediaKind;
  rtpParameters: types.RtpParameters;
}

export interface ProduceRequest extends PeerRef {
  transportId: string;
  kind: MediaKind;
  rtpParameters: types.RtpParameters;
  /** Opaque label carried with the producer, such as 'camera' or 'screen'. */
  source: string;
}

export interface ConsumeRequest extends PeerRef {
  transportId: string;
  producerId: string;
  rtpCapabilities: types.RtpCapabilities;
}

export interface MediaNodeStats {
  workers: number;
  /** Process ids of the live workers: a changed pid means a worker died and was replaced. */
  workerPids: number[];
  rooms: number;
  transports: number;
  producers: number;
  consumers: number;
}

/** What the node's media costs: CPU per worker and bitrate through all of its transports. */
export interface MediaNodeUsage {
  workers: { pid: number; cpuSeconds: number }[];
  /** Bits per second received from and sent to clients, summed over all transports. */
  bitrateIn: number;
  bitrateOut: number;
}

/** Events a media node reports on its own initiative. */
export interface MediaNodeEvents {
  /** A consumer went away without being asked to: its producer or its transport closed. */
  consumerclosed: [event: PeerRef & { consumerId: string }];
  /** A transport's DTLS or ICE state failed or the transport closed underneath the peer. */
  transportfailed: [event: PeerRef & { transportId: string; state: string }];
  /** A room lost its media (its worker died). Its peers must set up their media again. */
  roomclosed: [event: { roomId: string; reason: 'worker_died' | 'closed' }];
}

export interface MediaNode {
  readonly events: EventEmitter<MediaNodeEvents>;

  /** Opens the room if it does not exist yet; returns its router's RTP capabilities. */
  openRoom(roomId: string): Promise<{ rtpCapabilities: types.RtpCapabilities }>;
  closeRoom(roomId: string): Promise<void>;

  createWebRtcTransport(
    request: PeerRef & { direction: TransportDirection },
  ): Promise<WebRtcTransportInfo>;
  connectTransport(
    request: PeerRef & { transportId: string; dtlsParameters: types.DtlsParameters },
  ): Promise<void>;
  restartIce(request: PeerRef & { transportId: string }): Promise<types.IceParameters>;

  /**
   * Creates an unencrypted RTP transport, counted against the peer's transport limit. It serves
   * gateways (a SIP or recording bridge) and benchmarks; no browser uses it. Never let a client
   * reach it: whoever connects a plain transport chooses where the node sends media.
   *
   * With `comedia` (default false) the transport sends back to wherever its first packet came from
   * and needs no connectPlainTransport.
   */
  createPlainTransport(request: PeerRef & { comedia?: boolean }): Promise<PlainTransportInfo>;
  /** Sets where a plain transport (without comedia) sends its RTP and RTCP. */
  connectPlainTransport(
    request: PeerRef & { transportId: string; ip: string; port: number },
  ): Promise<void>;

  produce(request: ProduceRequest): Promise<{ producerId: string }>;
  closeProducer(request: PeerRef & { producerId: string }): Promise<void>;
  pauseProducer(request: PeerRef & { producerId: string }): Promise<void>;
  resumeProducer(request: PeerRef & { producerId: string }): Promise<void>;

  /** Creates the consumer paused; the caller resumes it once the client holds its end. */
  consume(request: ConsumeRequest): Promise<ConsumerInfo>;
  resumeConsumer(request: PeerRef & { consumerId: string }): Promise<void>;

  /** Closes every transport of the peer, and with them its producers and consumers. */
  closePeer(request: PeerRef): Promise<void>;

  stats(): Promise<MediaNodeStats>;
  /** Asks every worker and transport; meant for metrics scrapes, not for hot paths. */
  usage(): Promise<MediaNodeUsage>;
  close(): Promise<void>;
}
