import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

/** Scheduling meetings, answering invitations, "My meetings" and the coordinator's overview. */
export function registerSchedulingHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { scheduling, log } = services;
  const { meetings, overview } = scheduling;
  const caller = () => socket.data.token;

  handle(socket, 'scheduling:schedule', log, (input) => meetings.schedule(caller(), input));
  handle(socket, 'scheduling:reschedule', log, (input) => meetings.reschedule(caller(), input));
  handle(socket, 'scheduling:cancel', log, ({ meetingId }) => meetings.cancel(caller(), meetingId));
  handle(socket, 'scheduling:respond', log, (input) => meetings.respond(caller(), input));
  handle(socket, 'scheduling:get', log, ({ meetingId }) => meetings.get(caller(), meetingId));
  handle(socket, 'scheduling:myMeetings', log, () => meetings.myMeetings(caller()));
  handle(socket, 'scheduling:overview', log, () => overview.overview(caller()));
  handle(socket, 'scheduling:invitees', log, ({ patientId }) =>
    meetings.invitees(caller(), patientId),
  );
}
