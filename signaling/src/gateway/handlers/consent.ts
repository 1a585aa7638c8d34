import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';
import { closePlanForRevokedViewers, planRoom } from '../planViewers.ts';

/** The patient's consents, and who has looked at their plan. */
export function registerConsentHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { consents, accessLog, carePlans, io, log } = services;

  const announce = async (patientId: string) => {
    const planId = await carePlans.planIdOf(patientId);

    if (planId) io.to(planRoom(planId)).emit('consent:changed', { patientId });
  };

  handle(socket, 'consent:list', log, ({ patientId }) =>
    consents.list(socket.data.token, patientId),
  );

  handle(socket, 'consent:grant', log, async (input) => {
    const consent = await consents.grant(socket.data.token, input);

    await announce(consent.patientId);

    return consent;
  });

  handle(socket, 'consent:withdraw', log, async ({ consentId }) => {
    const consent = await consents.withdraw(socket.data.token, consentId);

    // Takes effect at once: whoever relied on this consent loses the plan they have open.
    await closePlanForRevokedViewers(io, carePlans, consent.patientId, log);
    await announce(consent.patientId);

    return consent;
  });

  handle(socket, 'audit:accessLog', log, ({ patientId }) =>
    accessLog.forPatient(socket.data.token, patientId),
  );
}
