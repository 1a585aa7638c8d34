import { AppError } from '../../errors.ts';
import type { Peer } from '../../meeting/Peer.ts';
import { rosterOf } from '../../meeting/roster.ts';
import type { GatewayServices, GatewaySocket } from '../context.ts';
import { handle } from '../handle.ts';

/** The roster at the start of a meeting, the confirmation of introductions, and the record. */
export function registerRecordHandlers(socket: GatewaySocket, services: GatewayServices): void {
  const { introductions, meetingRecords, meetings, io, log } = services;

  const joined = (): Peer => {
    const peer = socket.data.peer;

    if (!peer || peer.left) throw new AppError('not_in_meeting', 'join the meeting first');

    return peer;
  };

  handle(socket, 'meeting:roster', log, async () => {
    const { meeting } = joined();

    const [latest, elsewhere] = await Promise.all([
      introductions.latest(meeting),
      meetings.elsewhere(meeting.id),
    ]);

    return rosterOf(meeting, latest, elsewhere);
  });

  handle(socket, 'meeting:confirmIntroductions', log, async () => {
    const peer = joined();
    const confirmation = await introductions.confirm(
      peer,
      await meetings.elsewhere(peer.meeting.id),
    );

    io.to(peer.meeting.room).emit('meeting:introductions', confirmation);

    return confirmation;
  });

  handle(socket, 'meeting:record', log, ({ meetingId }) =>
    meetingRecords.record(socket.data.token, meetingId),
  );
}
