import { AppError } from '../../errors.ts';
import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

/** Coming back as the same participant after a dropped connection. */
export function registerResumeHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { resumption, waitingRoom, log } = services;

  // Socket.io brought the connection back with its state: the peer carries on through it.
  if (socket.recovered) resumption.reattach(socket);

  handle(socket, 'meeting:resume', log, async (request) => {
    const current = socket.data.peer;
    // A recovered connection may ask too, for the state to reconcile with; another peer may not.
    const holdsAnother = current && !current.left && !current.hasResumeKey(request.resumeKey);

    if (socket.data.isJoining || holdsAnother || waitingRoom.isWaiting(socket)) {
      throw new AppError('invalid_request', 'this connection is in a meeting already');
    }

    socket.data.isJoining = true;

    try {
      const reply = await resumption.resume(socket, request);
      const peer = socket.data.peer;

      // The connection dropped while the peer was being moved to it: hold the peer again.
      if (socket.disconnected && peer) resumption.hold(peer);

      return reply;
    } finally {
      socket.data.isJoining = false;
    }
  });
}
