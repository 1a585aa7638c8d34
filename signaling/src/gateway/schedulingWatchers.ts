import type { SchedulingChanges } from '../scheduling/SchedulingChanges.ts';
import type { GatewayServer } from './context.ts';

/** The Socket.io room of the connections that have a scheduled meeting open. */
export const schedulingRoom = (meetingId: string) => `scheduling:${meetingId}`;

/**
 * Passes every stored change of a scheduled meeting on to the connections that have it open. The
 * event carries the meeting's id and the kind of change only: what changed is fetched again with
 * `scheduling:get`, which checks access and is audited as every read is.
 */
export function relaySchedulingChanges(io: GatewayServer, changes: SchedulingChanges): void {
  changes.on('changed', (event) => {
    io.to(schedulingRoom(event.meetingId)).emit('scheduling:changed', event);
  });
}
