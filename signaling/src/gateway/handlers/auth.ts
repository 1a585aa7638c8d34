import type { VerifiedToken } from '../../auth/tokens.ts';
import { AppError } from '../../errors.ts';
import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

/** Swapping the connection's access token for a fresh one, without joining again. */
export function registerAuthHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { tokens, log } = services;

  handle(socket, 'auth:renew', log, async ({ token }) => {
    const fresh = tokens.verify(token);

    // The peer in the meeting was admitted on the current claims; a token granting anything
    // else, or another person's, must come through a connection of its own.
    if (!grantsTheSame(socket.data.token, fresh)) {
      throw new AppError('forbidden', 'the token does not grant what this connection holds');
    }

    socket.data.token = fresh;

    return { expiresAt: new Date(fresh.exp * 1000).toISOString() };
  });
}

/** Whether a fresh token is for the same person and grants exactly what the current one does. */
export function grantsTheSame(current: VerifiedToken, fresh: VerifiedToken): boolean {
  return (
    fresh.sub === current.sub &&
    fresh.role === current.role &&
    fresh.meetingId === current.meetingId &&
    fresh.demo === current.demo &&
    fresh.linkId === current.linkId
  );
}
