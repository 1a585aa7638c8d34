import { AppError } from '../../errors.ts';
import type { Peer } from '../../meeting/Peer.ts';
import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';
import { disconnectCause, releaseRecoveredPeer } from './meeting.ts';

/** Coming in through the waiting room, and letting people in or sending them back. */
export function registerLobbyHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { meetings, resumption, waitingRoom, metrics, log } = services;

  if (socket.recovered) waitingRoom.reattach(socket);

  const joined = (): Peer => {
    const peer = socket.data.peer;

    if (!peer || peer.left) throw new AppError('not_in_meeting', 'join the meeting first');

    return peer;
  };

  handle(socket, 'meeting:enter', log, async ({ meetingId }) => {
    await releaseRecoveredPeer(socket, meetings, meetingId);
    // A waiting person whose connection Socket.io recovered asks again: they are still waiting.
    if (socket.recovered && !socket.data.isJoining && waitingRoom.isWaiting(socket)) {
      const status = await waitingRoom.status(socket);

      if (status.meetingId === meetingId) return { status: 'waiting', ...status };
    }
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

  socket.on('disconnect', (reason, description) => {
    // A waiting person on a lost network keeps their place while they may come back.
    if (disconnectCause(reason, description, socket.data.closeCode) === 'network') {
      waitingRoom.hold(socket, resumption.graceMs);
    } else {
      waitingRoom.leave(socket);
    }
  });
}
