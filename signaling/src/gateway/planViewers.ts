import type { CarePlanService } from '../careplan/CarePlanService.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { GatewayServer, GatewaySocket } from './context.ts';

/*
 * Whoever has a care plan open receives every change to it. These keep that list to the people
 * who may read the plan now: a withdrawn consent, an ended care-team membership or an expired
 * access token closes the plan for that connection.
 */

export const planRoom = (planId: string) => `plan:${planId}`;

const PLAN_ROOM = /^plan:(.+)$/;

type ClosedReason = 'access_withdrawn' | 'expired';

/** Why a connection may not read a plan now, or null when it may. */
async function refusal(
  token: GatewaySocket['data']['token'],
  carePlans: CarePlanService,
  patientId: string,
): Promise<ClosedReason | null> {
  if (token.exp * 1000 <= Date.now()) return 'expired';

  try {
    await carePlans.access.planReader(token, patientId);

    return null;
  } catch (error) {
    if (error instanceof AppError) return 'access_withdrawn';
    throw error;
  }
}

/**
 * Checks everyone who has a patient's plan open against the rules as they are now, and closes the
 * plan for those who may no longer read it. Reaches sockets on other signalling nodes too, through
 * the adapter.
 */
export async function closePlanForRevokedViewers(
  io: GatewayServer,
  carePlans: CarePlanService,
  patientId: string,
  log: Logger,
): Promise<number> {
  const planId = await carePlans.planIdOf(patientId);

  if (!planId) return 0;

  let closed = 0;

  for (const viewer of await io.in(planRoom(planId)).fetchSockets()) {
    const reason = await refusal(viewer.data.token, carePlans, patientId);

    if (!reason) continue;

    viewer.leave(planRoom(planId));
    viewer.emit('careplan:closed', { planId, reason });
    closed += 1;
  }
  if (closed > 0) log.info({ closed }, 'care plan closed for viewers who lost access');

  return closed;
}

/**
 * Checks every plan open on this node's connections. Run now and then, it notices what changes
 * without an event: a care-team membership whose period ended, a token past its expiry.
 */
export async function sweepPlanViewers(
  io: GatewayServer,
  carePlans: CarePlanService,
  log: Logger,
): Promise<number> {
  const patients = new Map<string, string | null>();
  let closed = 0;

  for (const socket of io.of('/').sockets.values()) {
    for (const room of socket.rooms) {
      const planId = PLAN_ROOM.exec(room)?.[1];

      if (!planId) continue;
      if (!patients.has(planId)) patients.set(planId, await carePlans.patientOf(planId));

      const patientId = patients.get(planId);
      const reason = patientId
        ? await refusal(socket.data.token, carePlans, patientId)
        : 'access_withdrawn';

      if (!reason) continue;

      await socket.leave(room);
      socket.emit('careplan:closed', { planId, reason });
      closed += 1;
    }
  }
  if (closed > 0) log.info({ closed }, 'care plan closed for viewers who lost access');

  return closed;
}

/**
 * Closes the connection's open plans the moment its access token expires, unless it was renewed
 * in time (then the watch moves on to the new expiry). Events the client sends are refused after
 * expiry anyway; this stops what the server would push.
 */
export function watchTokenExpiry(socket: GatewaySocket): void {
  let timer: ReturnType<typeof setTimeout> | undefined;

  const check = () => {
    const left = socket.data.token.exp * 1000 - Date.now();

    if (left > 0) {
      // setTimeout takes at most about 24.8 days; a longer token is checked again then.
      timer = setTimeout(check, Math.min(left + 50, 2 ** 31 - 1));

      return;
    }

    for (const room of socket.rooms) {
      const planId = PLAN_ROOM.exec(room)?.[1];

      if (!planId) continue;
      void socket.leave(room);
      socket.emit('careplan:closed', { planId, reason: 'expired' });
    }
  };

  check();
  socket.on('disconnect', () => clearTimeout(timer));
}
