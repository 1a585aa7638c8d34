import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';
import { schedulingRoom } from '../schedulingWatchers.ts';

/** Scheduling meetings, answering invitations, "My meetings" and the coordinator's overview. */
export function registerSchedulingHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { scheduling, log } = services;
  const { meetings, overview } = scheduling;
  const caller = () => socket.data.token;

  handle(socket, 'scheduling:schedule', log, (input) => meetings.schedule(caller(), input));
  handle(socket, 'scheduling:reschedule', log, (input) => meetings.reschedule(caller(), input));
  handle(socket, 'scheduling:cancel', log, ({ meetingId }) => meetings.cancel(caller(), meetingId));
  handle(socket, 'scheduling:respond', log, (input) => meetings.respond(caller(), input));
  handle(socket, 'scheduling:get', log, async ({ meetingId }) => {
    const meeting = await meetings.get(caller(), meetingId);

    // Only after access was granted: whoever may read the meeting hears when it changes.
    await socket.join(schedulingRoom(meetingId));

    return meeting;
  });
  handle(socket, 'scheduling:unwatch', log, async ({ meetingId }) => {
    await socket.leave(schedulingRoom(meetingId));

    return {};
  });
  handle(socket, 'scheduling:myMeetings', log, () => meetings.myMeetings(caller()));
  handle(socket, 'scheduling:overview', log, () => overview.overview(caller()));
  handle(socket, 'scheduling:invitees', log, ({ patientId }) =>
    meetings.invitees(caller(), patientId),
  );
}
