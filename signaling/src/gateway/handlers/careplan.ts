import type { CarePlanService } from '../../careplan/CarePlanService.ts';
import { AppError } from '../../errors.ts';
import type { Logger } from '../../logger.ts';
import type { GatewayServer, GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

export const planRoom = (planId: string) => `plan:${planId}`;

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

/**
 * Checks everyone who has a patient's plan open against the rules as they are now, and closes the
 * plan for those who may no longer read it (a consent was withdrawn, a membership ended). Works for
 * sockets on other signalling nodes too, through the adapter.
 */
export async function closePlanForRevokedViewers(
  io: GatewayServer,
  carePlans: CarePlanService,
  patientId: string,
  log: Logger,
): Promise<number> {
  const planId = await carePlans.planIdOf(patientId);

  if (!planId) return 0;

  const viewers = await io.in(planRoom(planId)).fetchSockets();
  let closed = 0;

  for (const viewer of viewers) {
    try {
      await carePlans.access.planReader(viewer.data.token, patientId);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;

      viewer.leave(planRoom(planId));
      viewer.emit('careplan:closed', { planId, reason: 'access_withdrawn' });
      closed += 1;
    }
  }
  if (closed > 0) log.info({ closed }, 'care plan closed for viewers who lost access');

  return closed;
}
