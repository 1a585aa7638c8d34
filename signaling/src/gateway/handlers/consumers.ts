import { AppError } from '../../errors.ts';
import type { Peer } from '../../meeting/Peer.ts';
import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

/**
 * What a participant receives and in which quality: the layer that fits the tile a video is drawn
 * in, pausing videos that are not shown, and which consumers keep their bandwidth first.
 */
export function registerConsumerHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { media, log } = services;

  const joined = (): Peer => {
    const peer = socket.data.peer;

    if (!peer || peer.left) throw new AppError('not_in_meeting', 'join the meeting first');

    return peer;
  };
  const ref = (peer: Peer) => ({ roomId: peer.meeting.id, peerId: peer.id });

  handle(socket, 'media:setPreferredLayers', log, async (request) => {
    await media.setPreferredLayers({ ...ref(joined()), ...request });

    return {};
  });

  handle(socket, 'media:setConsumerPriority', log, async ({ consumerId, priority }) => {
    await media.setConsumerPriority({ ...ref(joined()), consumerId, priority });

    return {};
  });

  handle(socket, 'media:pauseConsumer', log, async ({ consumerId }) => {
    await media.pauseConsumer({ ...ref(joined()), consumerId });

    return {};
  });
}
