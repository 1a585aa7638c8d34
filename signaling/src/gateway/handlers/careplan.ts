import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

export const planRoom = (planId: string) => `plan:${planId}`;

/** Opening a care plan, and changing it for everyone who has it open. */
export function registerCarePlanHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { carePlans, io, log } = services;

  handle(socket, 'careplan:open', log, async ({ planId }) => {
    const { plan } = await carePlans.open(socket.data.token, planId);

    await socket.join(planRoom(planId));

    return plan;
  });

  handle(socket, 'careplan:apply', log, async (request) => {
    const result = await carePlans.apply(socket.data.token, request);

    // A replayed key was broadcast when it was first applied; the author only needs the ack.
    if (!result.replayed) {
      io.to(planRoom(request.planId)).emit('careplan:changed', {
        ...result.applied,
        plan: result.plan,
      });
    }

    return result.applied;
  });
}
