import type { ClientSocket } from '../meeting/Peer.ts';

/**
 * Tells a connection that the meeting ended for it, then closes it. The notice is delivered here
 * and now: with connection-state recovery a plain `socket.emit` goes through the adapter first
 * (through Redis, in a cluster, to be stored for replay) and would reach the client only after
 * the close. A connection being closed has nothing to replay.
 */
export function endConnection(socket: ClientSocket, reason: 'replaced' | 'removed'): void {
  socket.nsp.local.to(socket.id).emit('meeting:ended', { reason });
  socket.disconnect();
}
