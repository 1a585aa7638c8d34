import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type {
  MeetingKind,
  MeetingOccurrence,
  MeetingParticipant,
  MeetingStatus,
  MeetingTimeZone,
  ParticipantResponse,
  ParticipantRole,
  ScheduledMeeting,
} from '../protocol/index.ts';
import type { Occurrence, Schedule } from './recurrence.ts';
import { occurrencesOf } from './recurrence.ts';
import { formatLocalDateTime, wallClockAt } from './zonedTime.ts';

/** A meeting as stored, with what is needed about its patient. */
export interface MeetingRow {
  id: string;
  patient_id: string;
  patient_person_id: string;
  patient_name: string;
  patient_language: string;
  patient_interpreter_language: string | null;
  kind: MeetingKind;
  status: MeetingStatus;
  purpose: string | null;
  starts_at: Date | string | null;
  duration_minutes: number | null;
  rrule: string | null;
  time_zone: MeetingTimeZone;
  sequence: number;
  ical_uid: string | null;
  created_by: string | null;
  created_by_name: string | null;
  updated_at: Date | string;
}

export interface ParticipantRow {
  person_id: string;
  display_name: string;
  role: ParticipantRole;
  organisation: string | null;
  required: boolean;
  response: ParticipantResponse;
  responded_at: Date | string | null;
  responded_by: string | null;
  language: string;
  interpreter_language: string | null;
  removed_at: Date | string | null;
}

/** A scheduled meeting as stored: the row, its schedule and its participants. */
export interface StoredMeeting {
  row: MeetingRow;
  schedule: Schedule | null;
  participants: ParticipantRow[];
}

const MEETING_SQL = `
  select m.id, m.patient_id, pt.person_id as patient_person_id, pp.display_name as patient_name,
         pt.preferred_language as patient_language,
         pt.interpreter_language as patient_interpreter_language,
         m.kind, m.status, m.purpose, m.starts_at, m.duration_minutes, m.rrule, m.time_zone,
         m.sequence, m.ical_uid, m.created_by, cb.display_name as created_by_name, m.updated_at
    from meetings m
    join patients pt on pt.id = m.patient_id
    join persons pp on pp.id = pt.person_id
    left join persons cb on cb.id = m.created_by`;

/** Roles that enter with a personal link: those without an account. */
export function hasPersonalLink(role: ParticipantRole): boolean {
  return role === 'patient' || role === 'relative' || role === 'interpreter';
}

/**
 * The meeting and its participants, or `not_found`. With `forUpdate`, the meeting's row is locked
 * until the transaction ends, so that changes to one meeting follow one another.
 */
export async function loadMeeting(
  q: Queryable,
  meetingId: string,
  options: { forUpdate?: boolean } = {},
): Promise<StoredMeeting> {
  if (options.forUpdate)
    await q.query('select 1 from meetings where id = $1 for update', [meetingId]);

  const [row] = await q.query<MeetingRow>(`${MEETING_SQL} where m.id = $1`, [meetingId]);

  if (!row) throw new AppError('not_found', 'no such meeting');

  return { row, schedule: scheduleOf(row), participants: await loadParticipants(q, meetingId) };
}

/** Meetings of the given ids, each with its participants. */
export async function loadMeetings(q: Queryable, meetingIds: string[]): Promise<StoredMeeting[]> {
  if (meetingIds.length === 0) return [];

  const rows = await q.query<MeetingRow>(`${MEETING_SQL} where m.id = any($1::text[])`, [
    meetingIds,
  ]);

  return Promise.all(
    rows.map(async (row) => ({
      row,
      schedule: scheduleOf(row),
      participants: await loadParticipants(q, row.id),
    })),
  );
}

async function loadParticipants(q: Queryable, meetingId: string): Promise<ParticipantRow[]> {
  return q.query<ParticipantRow>(
    `select mp.person_id, p.display_name, mp.role,
            nullif(concat_ws(', ', o.unit, o.name), '') as organisation, mp.required, mp.response,
            mp.responded_at, mp.responded_by, mp.language, mp.interpreter_language, mp.removed_at
       from meeting_participants mp
       join persons p on p.id = mp.person_id
       left join organisations o on o.id = p.organisation_id
      where mp.meeting_id = $1
      order by case mp.role when 'patient' then 0 when 'relative' then 1 else 2 end,
               p.display_name, mp.person_id`,
    [meetingId],
  );
}

export function scheduleOf(row: MeetingRow): Schedule | null {
  if (row.kind !== 'scheduled' || row.starts_at === null || row.duration_minutes === null) {
    return null;
  }

  return {
    startsAt: new Date(row.starts_at),
    durationMinutes: row.duration_minutes,
    rrule: row.rrule,
    timeZone: row.time_zone,
  };
}

export function occurrenceView(occurrence: Occurrence, timeZone: string): MeetingOccurrence {
  return {
    startsAt: occurrence.start.toISOString(),
    endsAt: occurrence.end.toISOString(),
    localStart: formatLocalDateTime(wallClockAt(occurrence.start, timeZone)),
  };
}

/** The next occurrence that has not ended at `now`. */
export function nextOccurrence(schedule: Schedule, now: Date): Occurrence | null {
  return occurrencesOf(schedule).find((o) => o.end.getTime() > now.getTime()) ?? null;
}

export function participantView(row: ParticipantRow): MeetingParticipant {
  return {
    personId: row.person_id,
    displayName: row.display_name,
    role: row.role,
    organisation: row.organisation,
    required: row.required,
    response: row.response,
    respondedAt: iso(row.responded_at),
    respondedBy: row.responded_by,
    language: row.language,
    interpreterLanguage: row.interpreter_language,
    hasPersonalLink: hasPersonalLink(row.role),
  };
}

/** The meeting as the protocol shows it; participants taken off it are left out. */
export function meetingView(stored: StoredMeeting, now: Date): ScheduledMeeting {
  const { row, schedule } = stored;
  const next = schedule ? nextOccurrence(schedule, now) : null;

  return {
    id: row.id,
    patientId: row.patient_id,
    patientName: row.patient_name,
    kind: row.kind,
    status: row.status,
    purpose: row.purpose,
    startsAt: schedule?.startsAt.toISOString() ?? null,
    localStart: schedule
      ? formatLocalDateTime(wallClockAt(schedule.startsAt, schedule.timeZone))
      : null,
    timeZone: row.time_zone,
    durationMinutes: row.duration_minutes,
    rrule: row.rrule,
    sequence: row.sequence,
    icalUid: row.ical_uid,
    createdBy: row.created_by,
    updatedAt: iso(row.updated_at)!,
    next: next && schedule ? occurrenceView(next, schedule.timeZone) : null,
    participants: stored.participants.filter((p) => p.removed_at === null).map(participantView),
  };
}

export function activeParticipant(
  stored: StoredMeeting,
  personId: string,
): ParticipantRow | undefined {
  return stored.participants.find((p) => p.person_id === personId && p.removed_at === null);
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}
