import { AppError } from '../../errors.ts';
import type { Peer } from '../../meeting/Peer.ts';
import type { ProducerInfo, TransportOptions } from '../../protocol/index.ts';
import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

/** Transports, producers and consumers of a peer that has joined a meeting. */
export function registerMediaHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { media, meetings, iceServers, metrics, log } = services;

  const joined = (): Peer => {
    const peer = socket.data.peer;

    if (!peer || peer.left) throw new AppError('not_in_meeting', 'join the meeting first');

    return peer;
  };
  const ref = (peer: Peer) => ({ roomId: peer.meeting.id, peerId: peer.id });

  handle(socket, 'media:iceServers', log, async () => {
    const peer = joined();
    const reply = iceServers.issue(peer.id);

    // Username and credential stay out of the log: until they expire they open the relay.
    peer.log.debug(
      { expiresAt: reply.expiresAt, iceTransportPolicy: reply.iceTransportPolicy },
      'ICE servers issued',
    );

    return reply;
  });

  handle(socket, 'media:createTransport', log, async ({ direction }) => {
    const peer = joined();
    const transport = await media.createWebRtcTransport({ ...ref(peer), direction });

    peer.transports.add(transport.id);
    peer.log.debug({ transportId: transport.id, direction }, 'transport created');

    // mediasoup's types are wider (plain strings) than the protocol's enums; the values are the same.
    return transport as unknown as TransportOptions;
  });

  handle(socket, 'media:connectTransport', log, async ({ transportId, dtlsParameters }) => {
    const peer = joined();

    await media.connectTransport({ ...ref(peer), transportId, dtlsParameters });

    return {};
  });

  handle(socket, 'media:restartIce', log, async ({ transportId }) => {
    const peer = joined();
    const iceParameters = await media.restartIce({ ...ref(peer), transportId });

    peer.log.info({ transportId }, 'ICE restarted');

    return { iceParameters };
  });

  handle(socket, 'media:setRtpCapabilities', log, async ({ rtpCapabilities }) => {
    joined().rtpCapabilities = rtpCapabilities;

    return {};
  });

  handle(socket, 'media:produce', log, async ({ transportId, kind, rtpParameters, source }) => {
    const peer = joined();

    // One producer per source and person: a second screen share is refused, not a replacement;
    // the client closes the first before it starts another. A camera is not needed for either.
    if (
      peer.startingSources.has(source) ||
      [...peer.producers.values()].some((p) => p.source === source)
    ) {
      throw new AppError('invalid_request', `a ${source} is being sent already`, {
        reason: 'already_sending',
        source,
      });
    }

    peer.startingSources.add(source);

    let producerId: string;

    try {
      ({ producerId } = await media.produce({
        ...ref(peer),
        transportId,
        kind,
        rtpParameters: rtpParameters as never,
        source,
      }));
    } finally {
      peer.startingSources.delete(source);
    }

    const producer: ProducerInfo = { producerId, peerId: peer.id, kind, source, paused: false };

    peer.producers.set(producerId, producer);
    meetings.share(peer);
    socket.to(peer.meeting.room).emit('producer:new', producer);
    peer.log.info({ producerId, kind, source }, 'producer opened');

    return { producerId };
  });

  handle(socket, 'media:closeProducer', log, async ({ producerId }) => {
    const peer = joined();

    ownProducer(peer, producerId);
    await media.closeProducer({ ...ref(peer), producerId });
    // Once per producer: it may have gone with its transport meanwhile, and been announced then.
    if (peer.producers.delete(producerId)) {
      meetings.share(peer);
      socket.to(peer.meeting.room).emit('producer:closed', { producerId, peerId: peer.id });
      peer.log.info({ producerId }, 'producer closed');
    }

    return {};
  });

  handle(socket, 'media:pauseProducer', log, async ({ producerId }) => {
    const peer = joined();
    const producer = ownProducer(peer, producerId);

    await media.pauseProducer({ ...ref(peer), producerId });
    producer.paused = true;
    meetings.share(peer);
    socket.to(peer.meeting.room).emit('producer:paused', { producerId, peerId: peer.id });

    return {};
  });

  handle(socket, 'media:resumeProducer', log, async ({ producerId }) => {
    const peer = joined();
    const producer = ownProducer(peer, producerId);

    await media.resumeProducer({ ...ref(peer), producerId });
    producer.paused = false;
    meetings.share(peer);
    socket.to(peer.meeting.room).emit('producer:resumed', { producerId, peerId: peer.id });

    return {};
  });

  handle(socket, 'media:consume', log, async ({ transportId, producerId }) => {
    const peer = joined();

    if (!peer.rtpCapabilities) {
      throw new AppError('invalid_request', 'send media:setRtpCapabilities before consuming');
    }

    // A peer here, or the id of a participant another signalling node holds.
    const owner = await meetings.ownerOfProducer(peer.meeting, producerId);

    if (!owner) throw new AppError('not_found', 'no such producer in this meeting');
    if (owner === peer) throw new AppError('invalid_request', 'a peer does not consume itself');

    const consumer = await media.consume({
      ...ref(peer),
      transportId,
      producerId,
      rtpCapabilities: peer.rtpCapabilities as never,
    });

    return { ...consumer, peerId: typeof owner === 'string' ? owner : owner.id };
  });

  handle(socket, 'media:producers', log, async () => {
    const peer = joined();

    return { producers: await meetings.currentProducers(peer) };
  });

  handle(socket, 'media:resumeConsumer', log, async ({ consumerId }) => {
    const peer = joined();

    await media.resumeConsumer({ ...ref(peer), consumerId });
    if (peer.markReceivingMedia()) {
      metrics.joinToFirstMedia.observe((Date.now() - peer.joinedAt) / 1000);
    }

    return {};
  });
}

function ownProducer(peer: Peer, producerId: string): ProducerInfo {
  const producer = peer.producers.get(producerId);

  if (!producer) throw new AppError('not_found', 'no such producer of yours');

  return producer;
}
