import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { SchedulingServices } from '../scheduling/services.ts';
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

/**
 * Ends the live connections whose session came from a link that a change of the meeting has
 * revoked (a reissue, a person taken off) or whose meeting was cancelled. Reaches connections on
 * other signalling nodes too, through the adapter. Leaving this way counts as leaving the meeting.
 */
export function endSessionsOfRevokedLinks(
  io: GatewayServer,
  scheduling: Pick<SchedulingServices, 'changes' | 'sessions'>,
  log: Logger,
): void {
  const end = async (meetingId: string) => {
    let ended = 0;

    for (const socket of await io.fetchSockets()) {
      const { token } = socket.data;

      if (token.linkId === undefined || token.meetingId !== meetingId) continue;

      try {
        await scheduling.sessions.assertLive(token);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        socket.disconnect(true);
        ended += 1;
      }
    }
    if (ended > 0) log.info({ meetingId, ended }, 'sessions of revoked links ended');
  };

  scheduling.changes.on('changed', ({ meetingId }) => {
    end(meetingId).catch((error: unknown) => {
      log.error({ err: error, meetingId }, 'ending the sessions of revoked links failed');
    });
  });
}
