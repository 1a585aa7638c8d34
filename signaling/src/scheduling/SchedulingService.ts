import { randomUUID } from 'node:crypto';

import type { Actor, Caller } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, isStaff } from '../access/CareTeamAccess.ts';
import type { AuditLog } from '../audit/AuditLog.ts';
import type { Database, Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type {
  Invitee,
  MyMeeting,
  MyMeetings,
  ParticipantInput,
  RescheduleMeeting,
  RespondToMeeting,
  ScheduledMeeting,
  ScheduleMeeting,
} from '../protocol/index.ts';
import {
  JOIN_OPENS_MINUTES_BEFORE,
  participantInputSchema,
  rescheduleMeetingSchema,
  respondToMeetingSchema,
  scheduleMeetingSchema,
} from '../protocol/index.ts';
import { ScheduleAccess } from './access.ts';
import type { StoredMeeting } from './meetingRows.ts';
import {
  activeParticipant,
  hasPersonalLink,
  loadMeeting,
  loadMeetings,
  meetingView,
  occurrenceView,
} from './meetingRows.ts';
import type { PersonalLinks } from './PersonalLinks.ts';
import type { Schedule } from './recurrence.ts';
import type { SchedulingChanges } from './SchedulingChanges.ts';
import { normaliseRrule, occurrencesOf } from './recurrence.ts';
import { instantOf, parseLocalDateTime, wallClockKind } from './zonedTime.ts';

/** Most past occurrences "My meetings" lists. */
const PAST_LIMIT = 20;

interface ResolvedParticipant {
  personId: string;
  role: Actor['role'];
  required: boolean;
  language: string;
  interpreterLanguage: string | null;
}

/**
 * Scheduled meetings: staff of the patient's care team schedule, change and cancel them; each
 * participant answers; everyone sees their own. Every change raises the meeting's SEQUENCE under
 * its one UID, so that calendar programs replace what they hold. Every access is audited.
 */
export class SchedulingService {
  readonly #db: Database;
  readonly #access: ScheduleAccess;
  readonly #links: PersonalLinks;
  readonly #changes: SchedulingChanges;
  readonly #now: () => Date;

  constructor(deps: {
    db: Database;
    audit: AuditLog;
    links: PersonalLinks;
    changes: SchedulingChanges;
    now?: () => Date;
  }) {
    this.#db = deps.db;
    this.#access = new ScheduleAccess(deps.db, deps.audit);
    this.#links = deps.links;
    this.#changes = deps.changes;
    this.#now = deps.now ?? (() => new Date());
  }

  async schedule(caller: Caller, request: ScheduleMeeting): Promise<ScheduledMeeting> {
    const input = scheduleMeetingSchema.parse(request);
    const actor = await this.#access.staff(caller, input.patientId, 'meeting.schedule');
    const now = this.#now();
    const startsAt = this.#futureStart(input.start, input.timeZone, now);
    const rrule =
      input.rrule === null ? null : normaliseRrule(input.rrule, startsAt, input.timeZone);
    const meetingId = randomUUID();

    await this.#db.transaction(async (tx) => {
      const participants = await this.#resolve(tx, input.patientId, actor, input.participants);

      await tx.query(
        `insert into meetings (id, patient_id, title, kind, purpose, starts_at, duration_minutes,
                               rrule, time_zone, status, sequence, ical_uid, created_by,
                               created_at, updated_at)
         values ($1, $2, $3, 'scheduled', $3, $4, $5, $6, $7, 'scheduled', 0, $8, $9, $10, $10)`,
        [
          meetingId,
          input.patientId,
          input.purpose,
          startsAt,
          input.durationMinutes,
          rrule,
          input.timeZone,
          `${randomUUID()}@teamrom`,
          actor.personId,
          now,
        ],
      );
      await this.#saveParticipants(tx, meetingId, actor, participants, []);
      await this.#access.granted(actor, 'meeting.schedule', meetingId, tx);
    });

    return meetingView(await loadMeeting(this.#db, meetingId), now);
  }

  /**
   * Changes the whole series; see rescheduleMeetingSchema for what changes and what follows.
   *
   * LIMITATION: a series is changed or cancelled as a whole; one occurrence cannot be moved or
   * cancelled alone (no RECURRENCE-ID or EXDATE yet), so the team cancels and schedules anew.
   */
  async reschedule(caller: Caller, request: RescheduleMeeting): Promise<ScheduledMeeting> {
    const input = rescheduleMeetingSchema.parse(request);
    const now = this.#now();

    const actor = await this.#staffOfMeeting(caller, input.meetingId, 'meeting.reschedule');

    const isChanged = await this.#db.transaction(async (tx) => {
      const stored = await loadMeeting(tx, input.meetingId, { forUpdate: true });
      const current = this.#scheduleOf(stored);

      this.#assertNotEnded(current, now, 'changed');

      const startsAt =
        input.start === undefined
          ? current.startsAt
          : this.#futureStart(input.start, current.timeZone, now);
      const durationMinutes = input.durationMinutes ?? current.durationMinutes;
      const rruleInput = input.rrule === undefined ? current.rrule : input.rrule;
      const rrule =
        rruleInput === null ? null : normaliseRrule(rruleInput, startsAt, current.timeZone);
      const isNewTime =
        startsAt.getTime() !== current.startsAt.getTime() ||
        durationMinutes !== current.durationMinutes ||
        rrule !== current.rrule;
      const participants =
        input.participants === undefined
          ? null
          : await this.#resolve(tx, stored.row.patient_id, null, input.participants);
      const purpose = input.purpose ?? stored.row.purpose;
      const isChanged =
        isNewTime ||
        purpose !== stored.row.purpose ||
        (participants !== null && participantsChanged(stored, participants));

      if (!isChanged) return false;

      await tx.query(
        `update meetings
            set purpose = $2, title = $2, starts_at = $3, duration_minutes = $4, rrule = $5,
                sequence = sequence + 1, updated_at = $6
          where id = $1`,
        [stored.row.id, purpose, startsAt, durationMinutes, rrule, now],
      );
      if (participants) {
        await this.#saveParticipants(tx, stored.row.id, actor, participants, stored.participants);
      }
      // Answers were given to the old time: everyone is asked again, but the one who moved it.
      if (isNewTime) {
        await tx.query(
          `update meeting_participants
              set response = 'needs-action', responded_at = null, responded_by = null
            where meeting_id = $1 and person_id <> $2`,
          [stored.row.id, actor.personId],
        );
      }
      await this.#access.granted(actor, 'meeting.reschedule', stored.row.id, tx);

      return true;
    });

    // A change to nothing raises no SEQUENCE and tells nobody: calendars already hold it.
    if (isChanged) this.#changes.notify({ meetingId: input.meetingId, change: 'schedule' });

    return meetingView(await loadMeeting(this.#db, input.meetingId), now);
  }

  /** Cancels the whole series. Cancelling a cancelled meeting changes nothing. */
  async cancel(caller: Caller, meetingId: string): Promise<ScheduledMeeting> {
    const now = this.#now();

    const actor = await this.#staffOfMeeting(caller, meetingId, 'meeting.cancel');

    const isCancelled = await this.#db.transaction(async (tx) => {
      const stored = await loadMeeting(tx, meetingId, { forUpdate: true });

      const schedule = this.#scheduleOf(stored, { allowCancelled: true });

      if (stored.row.status === 'cancelled') return false;
      this.#assertNotEnded(schedule, now, 'cancelled');

      await tx.query(
        `update meetings set status = 'cancelled', sequence = sequence + 1, updated_at = $2
          where id = $1`,
        [meetingId, now],
      );
      await this.#access.granted(actor, 'meeting.cancel', meetingId, tx);

      return true;
    });

    if (isCancelled) this.#changes.notify({ meetingId, change: 'cancelled' });

    return meetingView(await loadMeeting(this.#db, meetingId), now);
  }

  /**
   * Records an answer: the caller's own, or, for staff of the care team, another participant's
   * given by phone (then `respondedBy` names who wrote it down).
   */
  async respond(caller: Caller, request: RespondToMeeting): Promise<ScheduledMeeting> {
    const input = respondToMeetingSchema.parse(request);
    const now = this.#now();
    const stored = await loadMeeting(this.#db, input.meetingId);
    const personId = input.personId ?? caller.sub;
    const onBehalf = personId !== caller.sub;
    const actor = onBehalf
      ? await this.#access.staff(caller, stored.row.patient_id, 'meeting.respond', stored.row.id)
      : await this.#participant(caller, stored, 'meeting.respond');
    const schedule = this.#scheduleOf(stored);

    if (!activeParticipant(stored, personId)) {
      throw new AppError('invalid_request', 'this person is not invited to the meeting');
    }
    if (occurrencesOf(schedule).at(-1)!.end.getTime() <= now.getTime()) {
      throw new AppError('invalid_request', 'the meeting has ended; there is nothing to answer');
    }

    await this.#db.transaction(async (tx) => {
      await tx.query(
        `update meeting_participants set response = $3, responded_at = $4, responded_by = $5
          where meeting_id = $1 and person_id = $2`,
        [stored.row.id, personId, input.response, now, onBehalf ? actor.personId : null],
      );
      await this.#access.granted(actor, 'meeting.respond', stored.row.id, tx);
    });
    this.#changes.notify({ meetingId: stored.row.id, change: 'response' });

    return meetingView(await loadMeeting(this.#db, stored.row.id), now);
  }

  /** The meeting, for its participants and for staff of the patient's care team. */
  async get(caller: Caller, meetingId: string): Promise<ScheduledMeeting> {
    const stored = await loadMeeting(this.#db, meetingId);
    const actor = await this.#participant(caller, stored, 'meeting.read', { orStaff: true });

    await this.#access.granted(actor, 'meeting.read', meetingId);

    return meetingView(stored, this.#now());
  }

  /** "My meetings": every occurrence of the caller's scheduled meetings, upcoming and past. */
  async myMeetings(caller: Caller): Promise<MyMeetings> {
    const now = this.#now();
    const rows = await this.#db.query<{ meeting_id: string }>(
      `select mp.meeting_id from meeting_participants mp join meetings m on m.id = mp.meeting_id
        where mp.person_id = $1 and mp.removed_at is null and m.kind = 'scheduled'
          and ($2::text is null or m.id = $2)`,
      [caller.sub, caller.meetingId ?? null],
    );
    const meetings = await loadMeetings(
      this.#db,
      rows.map((r) => r.meeting_id),
    );
    const actors = await this.#stillInCare(caller.sub, [
      ...new Set(meetings.map((m) => m.row.patient_id)),
    ]);
    const upcoming: MyMeeting[] = [];
    const past: MyMeeting[] = [];

    for (const stored of meetings) {
      const me = activeParticipant(stored, caller.sub);
      const actor = actors.get(stored.row.patient_id);

      if (!me || !actor || !stored.schedule) continue;

      for (const occurrence of occurrencesOf(stored.schedule)) {
        const item: MyMeeting = {
          ...occurrenceView(occurrence, stored.schedule.timeZone),
          meetingId: stored.row.id,
          patientId: stored.row.patient_id,
          patientName: stored.row.patient_name,
          purpose: stored.row.purpose,
          status: stored.row.status,
          recurring: stored.schedule.rrule !== null,
          joinOpensAt: new Date(
            occurrence.start.getTime() - JOIN_OPENS_MINUTES_BEFORE * 60 * 1000,
          ).toISOString(),
          myRole: me.role,
          myResponse: me.response,
          required: me.required,
        };

        (occurrence.end.getTime() > now.getTime() ? upcoming : past).push(item);
      }
    }

    for (const actor of actors.values()) await this.#access.granted(actor, 'meeting.list', null);

    return {
      upcoming: upcoming.sort((a, b) => a.startsAt.localeCompare(b.startsAt)),
      past: past.sort((a, b) => b.startsAt.localeCompare(a.startsAt)).slice(0, PAST_LIMIT),
    };
  }

  /** Whom a meeting about the patient can invite: the patient, the care team, the relatives. */
  async invitees(caller: Caller, patientId: string): Promise<Invitee[]> {
    const actor = await this.#access.staff(caller, patientId, 'meeting.read');
    const rows = await this.#db.query<{
      person_id: string;
      display_name: string;
      role: Invitee['role'];
      organisation: string | null;
    }>(
      `select p.id as person_id, p.display_name, 'patient' as role, null as organisation, 0 as rank
         from patients pt join persons p on p.id = pt.person_id where pt.id = $1
       union all
       select p.id, p.display_name, m.role, nullif(concat_ws(', ', o.unit, o.name), ''), 1
         from care_team_members m
         join persons p on p.id = m.person_id
         left join organisations o on o.id = coalesce(m.organisation_id, p.organisation_id)
        where m.patient_id = $1 and m.period_start <= current_date
          and (m.period_end is null or m.period_end >= current_date)
       union all
       select p.id, p.display_name, 'relative', null, 2
         from related_persons r join persons p on p.id = r.person_id where r.patient_id = $1
       order by rank, display_name`,
      [patientId],
    );

    await this.#access.granted(actor, 'meeting.read', null);

    return rows.map((r) => ({
      personId: r.person_id,
      displayName: r.display_name,
      role: r.role,
      organisation: r.organisation,
    }));
  }

  /**
   * The caller as staff of the meeting's patient's care team. Checked before the transaction that
   * changes the meeting, so that a refusal's audit entry stays (a meeting's patient never changes).
   */
  async #staffOfMeeting(
    caller: Caller,
    meetingId: string,
    action: 'meeting.reschedule' | 'meeting.cancel',
  ): Promise<Actor> {
    const [meeting] = await this.#db.query<{ patient_id: string }>(
      'select patient_id from meetings where id = $1',
      [meetingId],
    );

    if (!meeting) throw new AppError('not_found', 'no such meeting');

    return this.#access.staff(caller, meeting.patient_id, action, meetingId);
  }

  /** The caller as a participant of the meeting (or, with `orStaff`, as staff of the team). */
  async #participant(
    caller: Caller,
    stored: StoredMeeting,
    action: 'meeting.read' | 'meeting.respond',
    options: { orStaff?: boolean } = {},
  ): Promise<Actor> {
    const actor = await this.#access.inCare(caller, stored.row.patient_id, action, stored.row.id);
    const isLimitedElsewhere = caller.meetingId !== undefined && caller.meetingId !== stored.row.id;

    if (isLimitedElsewhere) {
      throw await this.#access.refuse(
        caller,
        stored.row.patient_id,
        action,
        stored.row.id,
        'this link is for another meeting',
        actor,
      );
    }
    if (activeParticipant(stored, actor.personId) || (options.orStaff && isStaff(actor.role))) {
      return actor;
    }

    throw await this.#access.refuse(
      caller,
      stored.row.patient_id,
      action,
      stored.row.id,
      'you are not invited to this meeting',
      actor,
    );
  }

  /** The person as an actor for each patient whose care they are still in. */
  async #stillInCare(personId: string, patientIds: string[]): Promise<Map<string, Actor>> {
    const access = new CareTeamAccess(this.#db);
    const actors = new Map<string, Actor>();

    for (const patientId of patientIds) {
      const actor = await access.actorFor(personId, patientId).catch((error: unknown) => {
        if (error instanceof AppError) return null;
        throw error;
      });

      if (actor) actors.set(patientId, actor);
    }

    return actors;
  }

  #scheduleOf(stored: StoredMeeting, options: { allowCancelled?: boolean } = {}): Schedule {
    if (!stored.schedule) {
      throw new AppError('invalid_request', 'this meeting is an open room without a schedule');
    }
    if (stored.row.status === 'cancelled' && !options.allowCancelled) {
      throw new AppError('meeting_cancelled', 'this meeting has been cancelled');
    }

    return stored.schedule;
  }

  /** Refuses to change a meeting whose last occurrence has ended: its record stays as it was. */
  #assertNotEnded(schedule: Schedule, now: Date, what: 'changed' | 'cancelled'): void {
    if (occurrencesOf(schedule).at(-1)!.end.getTime() <= now.getTime()) {
      throw new AppError('invalid_request', `the meeting has ended and can no longer be ${what}`);
    }
  }

  /**
   * The instant of a start given in wall-clock time. A time the zone skips (clocks going forward)
   * or passes twice (clocks going back) is refused rather than guessed: the invitation and every
   * calendar would otherwise disagree with what the organiser meant, or with each other.
   */
  #futureStart(local: string, timeZone: string, now: Date): Date {
    const wall = parseLocalDateTime(local);
    const kind = wallClockKind(wall, timeZone);

    if (kind !== 'once') {
      throw new AppError(
        'invalid_request',
        kind === 'gap'
          ? `${local.replace('T', ' ')} does not exist in ${timeZone}: clocks go forward an ` +
              'hour then; choose another time'
          : `${local.replace('T', ' ')} happens twice in ${timeZone}: clocks go back an hour ` +
              'then; choose another time',
        { localStart: local, timeZone, reason: kind === 'gap' ? 'dst_gap' : 'dst_ambiguous' },
      );
    }

    const startsAt = instantOf(wall, timeZone);

    if (startsAt.getTime() < now.getTime()) {
      throw new AppError('invalid_request', 'a meeting cannot start in the past');
    }

    return startsAt;
  }

  /**
   * The participants as invited: each must be in the patient's care now. The patient is always
   * invited, added when not listed; so is the organiser, when there is one (a new meeting): on a
   * reschedule the list given is the list.
   */
  async #resolve(
    q: Queryable,
    patientId: string,
    organiser: Actor | null,
    inputs: ParticipantInput[],
  ): Promise<ResolvedParticipant[]> {
    const [patient] = await q.query<{
      person_id: string;
      preferred_language: string;
      interpreter_language: string | null;
    }>('select person_id, preferred_language, interpreter_language from patients where id = $1', [
      patientId,
    ]);
    const parsed = inputs.map((input) => participantInputSchema.parse(input));
    const listed = new Set(parsed.map((p) => p.personId));

    if (listed.size !== parsed.length) {
      throw new AppError('invalid_request', 'a person is listed twice among the participants');
    }
    if (!listed.has(patient!.person_id)) {
      parsed.unshift({ personId: patient!.person_id, required: true });
    }
    if (organiser && !listed.has(organiser.personId)) {
      parsed.push({ personId: organiser.personId, required: true });
    }

    const access = new CareTeamAccess(q);
    const resolved: ResolvedParticipant[] = [];

    // LIMITATION: an interpreter is invited only once recorded in the patient's care team (role
    // interpreter), and care-team membership has no API yet: it is added in the database.

    for (const input of parsed) {
      const actor = await access.actorFor(input.personId, patientId).catch((error: unknown) => {
        if (error instanceof AppError) {
          throw new AppError('invalid_request', "a participant is not in this patient's care", {
            personId: input.personId,
          });
        }
        throw error;
      });

      if (actor.role !== 'interpreter' && input.interpreterLanguage !== undefined) {
        throw new AppError('invalid_request', 'only an interpreter has an interpreting language', {
          personId: input.personId,
        });
      }

      const interpreterLanguage =
        actor.role === 'interpreter'
          ? (input.interpreterLanguage ?? patient!.interpreter_language)
          : null;

      if (actor.role === 'interpreter' && !interpreterLanguage) {
        throw new AppError('invalid_request', 'say which language the interpreter interprets', {
          personId: input.personId,
        });
      }

      resolved.push({
        personId: actor.personId,
        role: actor.role,
        required: input.required,
        language: input.language ?? (actor.role === 'patient' ? patient!.preferred_language : 'nb'),
        interpreterLanguage,
      });
    }

    return resolved;
  }

  /**
   * Writes the participant list: new people are added (with a personal link when they have no
   * account), those left out are marked taken off and their link revoked, and the organiser has
   * accepted by scheduling.
   */
  async #saveParticipants(
    tx: Queryable,
    meetingId: string,
    organiser: Actor,
    participants: ResolvedParticipant[],
    before: StoredMeeting['participants'],
  ): Promise<void> {
    const now = this.#now();
    const keep = new Set(participants.map((p) => p.personId));

    for (const gone of before.filter((p) => p.removed_at === null && !keep.has(p.person_id))) {
      await tx.query(
        'update meeting_participants set removed_at = $3 where meeting_id = $1 and person_id = $2',
        [meetingId, gone.person_id, now],
      );
      await this.#links.revoke(tx, meetingId, gone.person_id);
    }

    for (const p of participants) {
      const isOrganiser = p.personId === organiser.personId;
      const existing = before.find((b) => b.person_id === p.personId);

      await tx.query(
        `insert into meeting_participants
           (meeting_id, person_id, role, required, response, responded_at, language,
            interpreter_language)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         on conflict (meeting_id, person_id) do update
           set required = excluded.required, language = excluded.language,
               interpreter_language = excluded.interpreter_language, removed_at = null,
               response = case when meeting_participants.removed_at is null
                               then meeting_participants.response else excluded.response end,
               responded_at = case when meeting_participants.removed_at is null
                                   then meeting_participants.responded_at
                                   else excluded.responded_at end`,
        [
          meetingId,
          p.personId,
          p.role,
          p.required,
          isOrganiser && !existing ? 'accepted' : 'needs-action',
          isOrganiser && !existing ? now : null,
          p.language,
          p.interpreterLanguage,
        ],
      );
      if (hasPersonalLink(p.role))
        await this.#links.ensure(tx, meetingId, p.personId, organiser.personId);
    }
  }
}

/** Whether the list given differs from who is invited now, or from how they are invited. */
function participantsChanged(stored: StoredMeeting, next: ResolvedParticipant[]): boolean {
  const current = stored.participants.filter((p) => p.removed_at === null);

  return (
    current.length !== next.length ||
    next.some((p) => {
      const now = current.find((c) => c.person_id === p.personId);

      return (
        !now ||
        now.required !== p.required ||
        now.language !== p.language ||
        now.interpreter_language !== p.interpreterLanguage
      );
    })
  );
}
