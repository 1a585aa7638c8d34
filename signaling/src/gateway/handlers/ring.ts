import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

/** Ad-hoc calls: ringing people of a patient's care into a meeting now, and answering. */
export function registerRingHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { rings, log } = services;

  rings.connected(socket);

  handle(socket, 'ring:start', log, (request) => rings.start(socket, request));

  handle(socket, 'ring:answer', log, async ({ ringId, accept }) =>
    rings.answer(socket, ringId, accept),
  );

  handle(socket, 'ring:cancel', log, async ({ ringId }) => {
    rings.cancel(socket, ringId);

    return {};
  });

  socket.on('disconnect', () => rings.disconnected(socket));
}
