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
  /** How many layers the consumer can be switched between; null for a single stream. */
  layers: LayerCounts | null;
}

/** The spatial and temporal layers of a simulcast or SVC stream. */
export interface LayerCounts {
  spatial: number;
  temporal: number;
}

/** One spatial and temporal layer of a simulcast or SVC stream, each counted from 0. */
export interface ConsumerLayers {
  spatialLayer: number;
  temporalLayer: number;
}

/** How one direction of a peer's connection to the node is doing. */
export interface LinkStats {
  /** Bits per second over all of the peer's transports in this direction. */
  bitrate: number;
  /**
   * mediasoup's stream score, 0 (unusable) to 10 (perfect): the worst producer's upward, the mean
   * of the active consumers' downward. Null without streams that have been scored.
   */
  score: number | null;
  /** Share of packets lost (0-1) from RTCP receiver reports; null until one has arrived. */
  packetLoss: number | null;
  /** Round-trip time in milliseconds from RTCP; null until measured. */
  roundTripTime: number | null;
}

/** A peer's connection to the node as its transports and streams measure it. */
export interface PeerLinkStats {
  peerId: string;
  /** What the node receives from the peer. */
  uplink: LinkStats;
  /** What the node sends to the peer. */
  downlink: LinkStats & {
    /** The congestion controller's estimate of what can be sent to the peer, in bit/s. */
    availableBitrate: number | null;
  };
}

/** Everything of a peer's media the node holds, for a client that lost track of it. */
export interface PeerMediaState {
  transports: {
    transportId: string;
    direction: TransportDirection | 'plain';
    iceState: string | null;
    dtlsState: string | null;
  }[];
  producers: { producerId: string; kind: MediaKind; source: string; paused: boolean }[];
  consumers: { consumerId: string; producerId: string; kind: MediaKind; paused: boolean }[];
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

export type RoomClosedReason = 'worker_died' | 'node_died' | 'closed';

/** Events a media node reports on its own initiative. */
export interface MediaNodeEvents {
  /** A consumer went away without being asked to: its producer or its transport closed. */
  consumerclosed: [event: PeerRef & { consumerId: string }];
  /** A transport's DTLS or ICE state failed or the transport closed underneath the peer. */
  transportfailed: [event: PeerRef & { transportId: string; state: string }];
  /**
   * A room lost its media: its worker died, (in a cluster) its whole media node, or it was closed
   * (by closeRoom, perhaps by another signalling node that saw the meeting empty). Peers still in
   * it must set up their media again; opening the room again places it on a live worker or node.
   */
  roomclosed: [event: { roomId: string; reason: RoomClosedReason }];
  /** A producer went away without being asked to: its transport closed. */
  producerclosed: [event: PeerRef & { producerId: string }];
  /**
   * The layers a consumer forwards changed; null while it forwards none (too little bandwidth, or
   * nothing arriving from its producer).
   */
  consumerlayerschange: [event: PeerRef & { consumerId: string; layers: ConsumerLayers | null }];
  /** The room's dominant speaker changed, judged from the audio levels its producers report. */
  activespeaker: [event: PeerRef & { producerId: string }];
}

export interface MediaNode {
  readonly events: EventEmitter<MediaNodeEvents>;

  /** Opens the room if it does not exist yet; returns its router's RTP capabilities. */
  openRoom(roomId: string): Promise<{ rtpCapabilities: types.RtpCapabilities }>;
  closeRoom(roomId: string): Promise<void>;
  /**
   * The caller has nobody left in the room, which stays open for others (in a cluster, people on
   * other signalling nodes): it no longer follows the room. Nothing to do in this process.
   */
  releaseRoom(roomId: string): void;

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
  /** Closes one transport of a peer, with what was produced and consumed on it. */
  closeTransport(request: PeerRef & { transportId: string }): Promise<void>;
  closeConsumer(request: PeerRef & { consumerId: string }): Promise<void>;
  pauseProducer(request: PeerRef & { producerId: string }): Promise<void>;
  resumeProducer(request: PeerRef & { producerId: string }): Promise<void>;

  /** Creates the consumer paused; the caller resumes it once the client holds its end. */
  consume(request: ConsumeRequest): Promise<ConsumerInfo>;
  resumeConsumer(request: PeerRef & { consumerId: string }): Promise<void>;
  pauseConsumer(request: PeerRef & { consumerId: string }): Promise<void>;
  /**
   * The layer a simulcast or SVC consumer should forward when bandwidth allows; the highest
   * temporal layer when `temporalLayer` is left out. Refuses (`invalid`) layers it does not have.
   */
  setPreferredLayers(
    request: PeerRef & { consumerId: string; spatialLayer: number; temporalLayer?: number },
  ): Promise<void>;
  /** 1-255: when the peer's bandwidth is short, consumers of higher priority are served first. */
  setConsumerPriority(request: PeerRef & { consumerId: string; priority: number }): Promise<void>;

  /** The peer's transports, producers and consumers as the node holds them; empty for none. */
  describePeer(request: PeerRef): Promise<PeerMediaState>;
  /**
   * How each peer's connection in the room is doing. Asks the worker about every transport and a
   * few streams per peer: meant for a check every few seconds, not for hot paths.
   */
  roomLinkStats(roomId: string): Promise<PeerLinkStats[]>;

  /** Closes every transport of the peer, and with them its producers and consumers. */
  closePeer(request: PeerRef): Promise<void>;

  stats(): Promise<MediaNodeStats>;
  /** Asks every worker and transport; meant for metrics scrapes, not for hot paths. */
  usage(): Promise<MediaNodeUsage>;
  close(): Promise<void>;
}
