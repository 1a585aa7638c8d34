import { AppError } from '../../errors.ts';
import type { MeetingService } from '../../meeting/MeetingService.ts';
import type { GatewayServices, GatewaySocket } from '../context.ts';
import { isClosedOnPurpose } from '../closeCode.ts';
import { handle } from '../handle.ts';

/** Joining and leaving a meeting. */
export function registerMeetingHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { meetings, resumption, waitingRoom, metrics, log } = services;

  handle(socket, 'meeting:join', log, async ({ meetingId }) => {
    await releaseRecoveredPeer(socket, meetings, meetingId);
    if (socket.data.isJoining || (socket.data.peer && !socket.data.peer.left)) {
      throw new AppError('invalid_request', 'this connection is in a meeting already');
    }

    socket.data.isJoining = true;

    try {
      const { peer, reply } = await meetings.join(socket, socket.data.token, meetingId);

      // The connection may have closed while the join was under way: leave no ghost behind.
      if (socket.disconnected) {
        await meetings.leave(peer, 'disconnected');
        throw new AppError('not_in_meeting', 'the connection closed');
      }

      socket.data.peer = peer;
      metrics.joins.inc({ outcome: 'joined' });

      return reply;
    } catch (error) {
      metrics.joins.inc({ outcome: 'refused' });
      throw error;
    } finally {
      socket.data.isJoining = false;
    }
  });

  handle(socket, 'meeting:leave', log, async () => {
    const peer = socket.data.peer;

    socket.data.peer = null;
    waitingRoom.leave(socket);
    if (peer) await meetings.leave(peer, 'left');

    return {};
  });

  socket.on('disconnect', (reason, description) => {
    const peer = socket.data.peer;
    const cause = disconnectCause(reason, description, socket.data.closeCode);

    // A client sending more than the limit is a fault or an attack, not a network problem.
    if (cause === 'message_too_large') {
      (peer?.log ?? log).warn({ reason, cause }, 'connection closed: message over the size limit');
    }
    if (!peer) return;

    if (cause !== 'message_too_large') peer.log.info({ reason, cause }, 'connection closed');
    // A lost network may come back in a moment: the peer stays, and the connection's data with it
    // (Socket.io restores that data when it recovers the connection).
    // LIMITATION: a tab closed without a WebSocket close frame (a browser that crashed, a killed
    // app) looks the same; it is then held, frozen for the others, for the grace period.
    if (cause === 'network' && !peer.left) {
      resumption.hold(peer);

      return;
    }

    socket.data.peer = null;
    meetings.leave(peer, 'disconnected').catch((error: unknown) => {
      peer.log.error({ err: error }, 'removing a disconnected peer failed');
    });
  });
}

/**
 * A client that predates resumption sets its media up from scratch after any reconnect and joins
 * again. On a connection Socket.io recovered, it still holds its old peer: that peer leaves, and
 * the client comes in as a new participant, as it always did.
 */
export async function releaseRecoveredPeer(
  socket: GatewaySocket,
  meetings: MeetingService,
  meetingId: string,
): Promise<void> {
  const peer = socket.data.peer;

  if (!socket.recovered || socket.data.isJoining || !peer || peer.left) return;
  if (peer.meeting.id !== meetingId) return;

  socket.data.peer = null;
  await meetings.leave(peer, 'replaced');
}

export type DisconnectCause = 'left' | 'server' | 'message_too_large' | 'network';

/**
 * Why a connection closed, in terms an operator reading the log can act on. `closeCode` is the
 * WebSocket close code, when known: a page that was closed says so (see closeCode.ts).
 */
export function disconnectCause(
  reason: string,
  description: unknown,
  closeCode: number | null = null,
): DisconnectCause {
  const detail = description instanceof Error ? description.message : String(description ?? '');

  if (reason === 'client namespace disconnect') return 'left';
  if (reason === 'transport close' && isClosedOnPurpose(closeCode)) return 'left';
  if (reason === 'server namespace disconnect' || reason === 'server shutting down')
    return 'server';
  // Over a WebSocket the limit is enforced by ws; over HTTP long-polling by engine.io, which names
  // a body over the limit, or one sent in too many pieces, so.
  if (/max payload size exceeded|payload too large|too many chunks/i.test(detail)) {
    return 'message_too_large';
  }

  return 'network';
}
