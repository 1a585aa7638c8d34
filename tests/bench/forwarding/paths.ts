import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { pino } from 'pino';

import { LocalMediaNode, mediaCodecs } from '../../../sfu-server/src/index.ts';
import type { StreamKind } from './rtp.ts';
import { producerRtpParameters } from './rtp.ts';

/*
 * The same load set up two ways: through Teamrom's media node (its MediaNode calls, with their
 * ownership checks, limits and events) and through bare mediasoup calls. One sender, and any number
 * of receivers, each a plain transport with a video and an audio consumer sending to a sink.
 */

export type PathName = 'teamrom' | 'bare';

export interface ForwardingPath {
  readonly name: PathName;
  /** The one mediasoup worker, whose CPU is measured. */
  readonly workerPid: number;
  /** Where the sender sends; the transport learns the sender's address from its first packet. */
  readonly ingest: { ip: string; port: number };
  readonly receivers: number;
  /** Adds receivers until there are `total`, spread over the sink ports. */
  growTo(total: number, sinkPorts: readonly number[]): Promise<void>;
  close(): Promise<void>;
}

export interface PortRange {
  rtcMinPort: number;
  rtcMaxPort: number;
}

const KINDS: StreamKind[] = ['video', 'audio'];
const LOOPBACK = '127.0.0.1';
/** Receivers set up at once; enough to be quick, few enough not to queue up in the channel. */
const BATCH = 25;

export async function openPath(name: PathName, ports: PortRange): Promise<ForwardingPath> {
  return name === 'teamrom' ? openTeamromPath(ports) : openBarePath(ports);
}

async function openTeamromPath(ports: PortRange): Promise<ForwardingPath> {
  const node = await LocalMediaNode.create(
    { numWorkers: 1, listenIp: LOOPBACK, logLevel: 'warn', ...ports },
    pino({ level: 'silent' }),
  );
  const roomId = 'bench';
  const sender = { roomId, peerId: 'sender' };
  const { rtpCapabilities } = await node.openRoom(roomId);
  const ingest = await node.createPlainTransport({ ...sender, comedia: true });
  const producerIds: string[] = [];

  for (const kind of KINDS) {
    const { producerId } = await node.produce({
      ...sender,
      transportId: ingest.id,
      kind,
      rtpParameters: producerRtpParameters(kind),
      source: kind === 'video' ? 'camera' : 'microphone',
    });

    producerIds.push(producerId);
  }

  const addReceiver = async (index: number, sinkPort: number) => {
    const peer = { roomId, peerId: `receiver-${index}` };
    const transport = await node.createPlainTransport(peer);

    await node.connectPlainTransport({
      ...peer,
      transportId: transport.id,
      ip: LOOPBACK,
      port: sinkPort,
    });
    for (const producerId of producerIds) {
      const consumer = await node.consume({
        ...peer,
        transportId: transport.id,
        producerId,
        rtpCapabilities,
      });

      // Teamrom creates consumers paused until the receiver holds its end.
      await node.resumeConsumer({ ...peer, consumerId: consumer.consumerId });
    }
  };

  return withReceivers('teamrom', node.workerPids()[0]!, ingest, addReceiver, () => node.close());
}

async function openBarePath(ports: PortRange): Promise<ForwardingPath> {
  const worker = await mediasoup.createWorker({ logLevel: 'warn', ...ports });
  const router = await worker.createRouter({ mediaCodecs });
  const ingest = await router.createPlainTransport({
    listenIp: LOOPBACK,
    rtcpMux: true,
    comedia: true,
  });
  const producers: types.Producer[] = [];

  for (const kind of KINDS) {
    producers.push(await ingest.produce({ kind, rtpParameters: producerRtpParameters(kind) }));
  }

  const addReceiver = async (_index: number, sinkPort: number) => {
    const transport = await router.createPlainTransport({ listenIp: LOOPBACK, rtcpMux: true });

    await transport.connect({ ip: LOOPBACK, port: sinkPort });
    for (const producer of producers) {
      await transport.consume({ producerId: producer.id, rtpCapabilities: router.rtpCapabilities });
    }
  };
  const close = async () => {
    worker.close();
  };

  return withReceivers(
    'bare',
    worker.pid,
    { ip: ingest.tuple.localIp, port: ingest.tuple.localPort },
    addReceiver,
    close,
  );
}

function withReceivers(
  name: PathName,
  workerPid: number,
  ingest: { ip: string; port: number },
  addReceiver: (index: number, sinkPort: number) => Promise<void>,
  close: () => Promise<void>,
): ForwardingPath {
  let receivers = 0;

  return {
    name,
    workerPid,
    ingest: { ip: ingest.ip, port: ingest.port },
    get receivers() {
      return receivers;
    },
    async growTo(total, sinkPorts) {
      for (let first = receivers; first < total; first += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, total - first) }, (_, i) => first + i);

        await Promise.all(batch.map((i) => addReceiver(i, sinkPorts[i % sinkPorts.length]!)));
        receivers = first + batch.length;
      }
    },
    close,
  };
}
