import type { Actor } from '../access/CareTeamAccess.ts';
import { isStaff } from '../access/CareTeamAccess.ts';
import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { LINK_OPENS_MINUTES_BEFORE } from '../protocol/index.ts';
import { linkWindowAt } from './linkWindow.ts';
import { activeParticipant, loadMeeting } from './meetingRows.ts';
import { occurrencesOf } from './recurrence.ts';
import { formatLocalDateTime, wallClockAt } from './zonedTime.ts';

/**
 * Whether someone in the patient's care may come into a scheduled meeting now. Ad-hoc rooms (the
 * demo's) are open to all of the care at any time. A cancelled meeting lets nobody in. Staff of the
 * team may come in at any time, to prepare; the patient, relatives and interpreters only when
 * invited and only around an occurrence, as with their personal links, so that a session token
 * from a link, renewed, does not let them back in after the meeting.
 */
export async function assertMayEnter(
  db: Queryable,
  actor: Actor,
  meetingId: string,
  now: Date = new Date(),
): Promise<void> {
  const [meeting] = await db.query<{ kind: string }>('select kind from meetings where id = $1', [
    meetingId,
  ]);

  // Checked first and alone: every join of an ad-hoc room passes here.
  if (meeting?.kind !== 'scheduled') return;

  const stored = await loadMeeting(db, meetingId);

  if (!stored.schedule) return;
  if (stored.row.status === 'cancelled') {
    throw new AppError('meeting_cancelled', 'the meeting has been cancelled');
  }
  if (isStaff(actor.role)) return;
  if (!activeParticipant(stored, actor.personId)) {
    throw new AppError('forbidden', 'you are not invited to this meeting');
  }

  const window = linkWindowAt(occurrencesOf(stored.schedule), now);
  const local = (instant: Date) =>
    formatLocalDateTime(wallClockAt(instant, stored.schedule!.timeZone)).replace('T', ' ');

  if (window.state === 'early') {
    throw new AppError(
      'link_not_open_yet',
      `the meeting starts at ${local(window.occurrence.start)}; you can come in ` +
        `${LINK_OPENS_MINUTES_BEFORE} minutes before`,
      {
        startsAt: window.occurrence.start.toISOString(),
        localStart: formatLocalDateTime(wallClockAt(window.occurrence.start, stored.row.time_zone)),
        opensAt: window.opensAt.toISOString(),
      },
    );
  }
  if (window.state === 'ended') {
    throw new AppError('link_closed', `the meeting ended at ${local(window.lastEnd)}`);
  }
}
