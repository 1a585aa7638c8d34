import type { VerifiedToken } from '../auth/tokens.ts';
import type { GatewaySocket } from './context.ts';
import { grantsTheSame } from './handlers/auth.ts';

/**
 * Socket.io restored this connection's state after a short drop: its rooms, its data (the peer it
 * is in a meeting as) and the events it missed. That state is kept only for a token of the same
 * person granting the same; any other token starts the connection afresh, out of every room.
 */
export function keepsRecoveredState(socket: GatewaySocket, token: VerifiedToken): boolean {
  if (!socket.recovered) return false;

  const restored = socket.data.token as VerifiedToken | undefined;

  if (restored && grantsTheSame(restored, token)) {
    // The newer of the two: a renewal may have reached either the old connection or the client.
    if (token.exp > restored.exp) socket.data.token = token;
    socket.data.isJoining = false;

    return true;
  }

  for (const room of [...socket.rooms]) if (room !== socket.id) void socket.leave(room);

  return false;
}
