import { AppError } from '../../errors.ts';
import type { Peer } from '../../meeting/Peer.ts';
import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

/** Coming in through the waiting room, and letting people in or sending them back. */
export function registerLobbyHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { meetings, waitingRoom, metrics, log } = services;

  const joined = (): Peer => {
    const peer = socket.data.peer;

    if (!peer || peer.left) throw new AppError('not_in_meeting', 'join the meeting first');

    return peer;
  };

  handle(socket, 'meeting:enter', log, async ({ meetingId }) => {
    if (
      socket.data.isJoining ||
      (socket.data.peer && !socket.data.peer.left) ||
      waitingRoom.isWaiting(socket)
    ) {
      throw new AppError('invalid_request', 'this connection is in a meeting already');
    }

    socket.data.isJoining = true;

    try {
      const entered = await waitingRoom.enter(socket, meetingId);

      if (entered.status === 'waiting') return entered.reply;

      // The connection may have closed while the join was under way: leave no ghost behind.
      if (socket.disconnected) {
        await meetings.leave(entered.peer, 'disconnected');
        throw new AppError('not_in_meeting', 'the connection closed');
      }

      socket.data.peer = entered.peer;
      metrics.joins.inc({ outcome: 'joined' });

      return entered.reply;
    } catch (error) {
      metrics.joins.inc({ outcome: 'refused' });
      throw error;
    } finally {
      socket.data.isJoining = false;
    }
  });

  handle(socket, 'lobby:status', log, async () => waitingRoom.status(socket));

  handle(socket, 'lobby:admit', log, async ({ peerId }) => {
    await waitingRoom.admit(joined(), peerId);
    metrics.joins.inc({ outcome: 'joined' });

    return {};
  });

  handle(socket, 'lobby:return', log, async ({ peerId }) => {
    await waitingRoom.sendBack(joined(), peerId);

    return {};
  });

  socket.on('disconnect', () => waitingRoom.leave(socket));
}
