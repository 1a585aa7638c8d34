import { EventEmitter } from 'node:events';

import type { types } from 'mediasoup';

import type { Logger } from '../logger.ts';
import type {
  ConsumeRequest,
  ConsumerInfo,
  MediaNode,
  MediaNodeEvents,
  MediaNodeStats,
  MediaNodeUsage,
  PeerLinkStats,
  PeerMediaState,
  PeerRef,
  PlainTransportInfo,
  ProduceRequest,
  TransportDirection,
  WebRtcTransportInfo,
} from '../MediaNode.ts';
import { ClusterKeys } from './keys.ts';
import type { EventMessage, MediaNodeMethod, MethodArgs, MethodResult } from './protocol.ts';
import { RpcClient } from './RpcClient.ts';

/**
 * One media node in another process, driven through the same interface as LocalMediaNode. Its
 * events are the node's own, as it published them. `close()` only lets go of the node; the node
 * keeps running for others.
 */
export class RemoteMediaNode implements MediaNode {
  readonly events = new EventEmitter<MediaNodeEvents>();
  readonly nodeId: string;
  readonly #client: RpcClient;
  /** Whether close() also closes the client: true when this node made it. */
  readonly #ownsClient: boolean;
  readonly #onEvent = (nodeId: string, message: EventMessage) => {
    if (nodeId !== this.nodeId) return;

    (this.events.emit as (event: string, payload: unknown) => boolean)(
      message.event,
      message.payload,
    );
  };
  #closed = false;

  private constructor(client: RpcClient, nodeId: string, ownsClient: boolean) {
    this.#client = client;
    this.nodeId = nodeId;
    this.#ownsClient = ownsClient;
    client.on('nodeevent', this.#onEvent);
  }

  /** A node reached through a client of its own. */
  static async connect(options: {
    redisUrl: string;
    nodeId: string;
    log: Logger;
    keyPrefix?: string;
    timeoutMs?: number;
  }): Promise<RemoteMediaNode> {
    const client = await RpcClient.connect({
      redisUrl: options.redisUrl,
      keys: new ClusterKeys(options.keyPrefix),
      log: options.log,
      timeoutMs: options.timeoutMs,
    });

    return RemoteMediaNode.over(client, options.nodeId, true);
  }

  /** A node reached through a shared client. */
  static async over(
    client: RpcClient,
    nodeId: string,
    ownsClient = false,
  ): Promise<RemoteMediaNode> {
    const node = new RemoteMediaNode(client, nodeId, ownsClient);

    try {
      await client.watchEvents(nodeId);
    } catch (error) {
      client.off('nodeevent', node.#onEvent);
      if (ownsClient) client.close();
      throw error;
    }

    return node;
  }

  openRoom(roomId: string): Promise<{ rtpCapabilities: types.RtpCapabilities }> {
    return this.#call('openRoom', [roomId]);
  }

  closeRoom(roomId: string): Promise<void> {
    return this.#call('closeRoom', [roomId]);
  }

  releaseRoom(): void {
    // This client follows every room of its one node.
  }

  createWebRtcTransport(
    request: PeerRef & { direction: TransportDirection },
  ): Promise<WebRtcTransportInfo> {
    return this.#call('createWebRtcTransport', [request]);
  }

  connectTransport(
    request: PeerRef & { transportId: string; dtlsParameters: types.DtlsParameters },
  ): Promise<void> {
    return this.#call('connectTransport', [request]);
  }

  restartIce(request: PeerRef & { transportId: string }): Promise<types.IceParameters> {
    return this.#call('restartIce', [request]);
  }

  createPlainTransport(request: PeerRef & { comedia?: boolean }): Promise<PlainTransportInfo> {
    return this.#call('createPlainTransport', [request]);
  }

  connectPlainTransport(
    request: PeerRef & { transportId: string; ip: string; port: number },
  ): Promise<void> {
    return this.#call('connectPlainTransport', [request]);
  }

  produce(request: ProduceRequest): Promise<{ producerId: string }> {
    return this.#call('produce', [request]);
  }

  closeProducer(request: PeerRef & { producerId: string }): Promise<void> {
    return this.#call('closeProducer', [request]);
  }

  pauseProducer(request: PeerRef & { producerId: string }): Promise<void> {
    return this.#call('pauseProducer', [request]);
  }

  resumeProducer(request: PeerRef & { producerId: string }): Promise<void> {
    return this.#call('resumeProducer', [request]);
  }

  consume(request: ConsumeRequest): Promise<ConsumerInfo> {
    return this.#call('consume', [request]);
  }

  resumeConsumer(request: PeerRef & { consumerId: string }): Promise<void> {
    return this.#call('resumeConsumer', [request]);
  }

  closeTransport(request: PeerRef & { transportId: string }): Promise<void> {
    return this.#call('closeTransport', [request]);
  }

  closeConsumer(request: PeerRef & { consumerId: string }): Promise<void> {
    return this.#call('closeConsumer', [request]);
  }

  pauseConsumer(request: PeerRef & { consumerId: string }): Promise<void> {
    return this.#call('pauseConsumer', [request]);
  }

  setPreferredLayers(
    request: PeerRef & { consumerId: string; spatialLayer: number; temporalLayer?: number },
  ): Promise<void> {
    return this.#call('setPreferredLayers', [request]);
  }

  setConsumerPriority(request: PeerRef & { consumerId: string; priority: number }): Promise<void> {
    return this.#call('setConsumerPriority', [request]);
  }

  describePeer(request: PeerRef): Promise<PeerMediaState> {
    return this.#call('describePeer', [request]);
  }

  roomLinkStats(roomId: string): Promise<PeerLinkStats[]> {
    return this.#call('roomLinkStats', [roomId]);
  }

  closePeer(request: PeerRef): Promise<void> {
    return this.#call('closePeer', [request]);
  }

  stats(): Promise<MediaNodeStats> {
    return this.#call('stats', []);
  }

  usage(): Promise<MediaNodeUsage> {
    return this.#call('usage', []);
  }

  async close(): Promise<void> {
    if (this.#closed) return;

    this.#closed = true;
    this.#client.off('nodeevent', this.#onEvent);
    if (this.#ownsClient) this.#client.close();
    else await this.#client.unwatchEvents(this.nodeId);
  }

  #call<M extends MediaNodeMethod>(method: M, args: MethodArgs<M>): Promise<MethodResult<M>> {
    return this.#client.call(this.nodeId, method, args);
  }
}
