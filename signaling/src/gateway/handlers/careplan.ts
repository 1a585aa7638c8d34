import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';
import { planRoom } from '../planViewers.ts';

export { planRoom } from '../planViewers.ts';

/** Opening a care plan, reading its history, and changing it for everyone who has it open. */
export function registerCarePlanHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { carePlans, io, log } = services;

  handle(socket, 'careplan:open', log, async ({ planId }) => {
    const opened = await carePlans.open(socket.data.token, planId);

    await socket.join(planRoom(planId));

    return opened;
  });

  handle(socket, 'careplan:close', log, async ({ planId }) => {
    await socket.leave(planRoom(planId));

    return {};
  });

  handle(socket, 'careplan:history', log, ({ planId }) =>
    carePlans.history(socket.data.token, planId),
  );

  handle(socket, 'careplan:version', log, ({ planId, version }) =>
    carePlans.planAt(socket.data.token, planId, version),
  );

  handle(socket, 'careplan:apply', log, async (request) => {
    const result = await carePlans.apply(socket.data.token, request);

    // A replayed key was broadcast when it was first applied; the author only needs the ack.
    if (!result.replayed) io.to(planRoom(request.planId)).emit('careplan:changed', result.applied);

    return result.applied;
  });
}
