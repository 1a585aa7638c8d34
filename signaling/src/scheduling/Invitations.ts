import { createHash } from 'node:crypto';

import type { Actor, Caller } from '../access/CareTeamAccess.ts';
import type { AuditLog } from '../audit/AuditLog.ts';
import type { Database } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { Invitation } from '../protocol/index.ts';
import { ScheduleAccess } from './access.ts';
import type { CalendarAttendee } from './ics.ts';
import { writeCalendar } from './ics.ts';
import { invitationText, roleLabel } from './invitationText.ts';
import type { ParticipantRow, StoredMeeting } from './meetingRows.ts';
import { hasPersonalLink, loadMeeting, nextOccurrence } from './meetingRows.ts';
import type { PersonalLinks } from './PersonalLinks.ts';
import type { SchedulingChanges } from './SchedulingChanges.ts';

/**
 * What each participant is sent: a join link, the invitation text in their language, and a
 * calendar file. Teamrom sends nothing itself; staff of the care team hand invitations on (or a
 * participant downloads their own calendar file).
 *
 * LIMITATION: Teamrom sends no e-mail, SMS or letter yet; the team hands each invitation on by
 * hand, and again after every change. Persons have no e-mail address recorded, so calendar
 * programs cannot send an answer back (iTIP REPLY): participants answer in Teamrom.
 */
export class Invitations {
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

  /** Every participant's invitation, those taken off with their cancellation; for staff. */
  async list(caller: Caller, meetingId: string, baseUrl: string): Promise<Invitation[]> {
    const stored = await this.#scheduled(meetingId);
    const actor = await this.#staff(caller, stored);
    const invitations = [];

    for (const participant of stored.participants) {
      invitations.push(await this.#invitation(stored, participant, actor, baseUrl));
    }

    await this.#access.granted(actor, 'meeting.invitation', meetingId);

    return invitations;
  }

  /** One participant's calendar file: for staff of the care team, and for the person. */
  async calendarFile(
    caller: Caller,
    meetingId: string,
    personId: string,
    baseUrl: string,
  ): Promise<{ filename: string; body: string }> {
    const stored = await this.#scheduled(meetingId);
    const actor =
      personId === caller.sub
        ? await this.#self(caller, stored)
        : await this.#staff(caller, stored);
    const participant = this.#participant(stored, personId);
    const invitation = await this.#invitation(stored, participant, actor, baseUrl);

    await this.#access.granted(actor, 'meeting.invitation', meetingId);

    return {
      filename: `teamrom-${invitation.method === 'CANCEL' ? 'avlyst' : 'invitasjon'}.ics`,
      body: this.#calendar(stored, participant, invitation),
    };
  }

  /**
   * Revokes the participant's personal link and makes a new one (a lost phone, a forwarded
   * link, a new device); the old link is refused from now on.
   */
  async reissue(
    caller: Caller,
    meetingId: string,
    personId: string,
    baseUrl: string,
  ): Promise<Invitation> {
    const stored = await this.#scheduled(meetingId);
    const actor = await this.#staff(caller, stored);
    const participant = this.#participant(stored, personId);

    if (!hasPersonalLink(participant.role) || participant.removed_at !== null) {
      throw new AppError(
        'invalid_request',
        'only invited patients, relatives and interpreters have a personal link',
      );
    }

    await this.#db.transaction(async (tx) => {
      await this.#links.revoke(tx, meetingId, personId);
      await this.#links.ensure(tx, meetingId, personId, actor.personId);
      await this.#access.granted(actor, 'meeting.invitation', meetingId, tx);
    });
    this.#changes.notify({ meetingId, change: 'link' });

    return this.#invitation(stored, participant, actor, baseUrl);
  }

  async #invitation(
    stored: StoredMeeting,
    participant: ParticipantRow,
    actor: Actor,
    baseUrl: string,
  ): Promise<Invitation> {
    const { row } = stored;
    const schedule = stored.schedule!;
    const isCancelled = row.status === 'cancelled' || participant.removed_at !== null;
    const meetingPage = `${baseUrl}/m/${encodeURIComponent(row.id)}`;
    const joinUrl =
      !isCancelled && hasPersonalLink(participant.role)
        ? this.#links.url(
            baseUrl,
            stored,
            await this.#links.ensure(this.#db, row.id, participant.person_id, actor.personId),
            participant.role,
          )
        : meetingPage;
    const next = nextOccurrence(schedule, this.#now());

    return {
      meetingId: row.id,
      personId: participant.person_id,
      displayName: participant.display_name,
      role: participant.role,
      joinUrl,
      icsUrl:
        `${baseUrl}/api/meetings/${encodeURIComponent(row.id)}/invitations/` +
        `${encodeURIComponent(participant.person_id)}/invitation.ics`,
      method: isCancelled ? 'CANCEL' : 'REQUEST',
      sequence: row.sequence,
      text: invitationText({
        role: participant.role,
        language: participant.language,
        startsAt: next?.start ?? schedule.startsAt,
        durationMinutes: schedule.durationMinutes,
        isRecurring: schedule.rrule !== null,
        joinUrl,
        isUpdate: row.sequence > 0,
        isCancelled,
        interpreterLanguage: participant.interpreter_language,
      }),
    };
  }

  #calendar(stored: StoredMeeting, recipient: ParticipantRow, invitation: Invitation): string {
    const { row } = stored;
    const schedule = stored.schedule!;
    const address = (personId: string) =>
      `urn:teamrom:attendee:${createHash('sha256')
        .update(`${row.ical_uid}\n${personId}`)
        .digest('hex')
        .slice(0, 24)}`;
    const listed = stored.participants.filter(
      (p) => p.removed_at === null || p.person_id === recipient.person_id,
    );
    const attendees: CalendarAttendee[] = listed.map((p) => ({
      name: hasPersonalLink(p.role)
        ? roleLabel(p.role as 'patient' | 'relative' | 'interpreter', recipient.language)
        : p.display_name,
      address: address(p.person_id),
      required: p.required,
      response: p.response,
    }));

    return writeCalendar({
      method: invitation.method,
      uid: row.ical_uid!,
      sequence: row.sequence,
      stamp: this.#now(),
      startsAt: schedule.startsAt,
      durationMinutes: schedule.durationMinutes,
      timeZone: 'Europe/Oslo',
      rrule: schedule.rrule,
      summary: invitation.text.subject,
      description: invitation.text.body,
      url: invitation.method === 'REQUEST' ? invitation.joinUrl : null,
      organizer: {
        name: row.created_by_name ?? 'Teamrom',
        address: address(row.created_by ?? 'teamrom'),
      },
      attendees,
    });
  }

  async #scheduled(meetingId: string): Promise<StoredMeeting> {
    const stored = await loadMeeting(this.#db, meetingId);

    if (!stored.schedule) {
      throw new AppError('invalid_request', 'this meeting is an open room without invitations');
    }

    return stored;
  }

  #participant(stored: StoredMeeting, personId: string): ParticipantRow {
    const participant = stored.participants.find((p) => p.person_id === personId);

    if (!participant) throw new AppError('not_found', 'this person is not invited to the meeting');

    return participant;
  }

  #staff(caller: Caller, stored: StoredMeeting): Promise<Actor> {
    return this.#access.staff(caller, stored.row.patient_id, 'meeting.invitation', stored.row.id);
  }

  /** The caller downloading their own invitation: in the patient's care and invited (once). */
  async #self(caller: Caller, stored: StoredMeeting): Promise<Actor> {
    const actor = await this.#access.inCare(
      caller,
      stored.row.patient_id,
      'meeting.invitation',
      stored.row.id,
    );

    if (caller.meetingId !== undefined && caller.meetingId !== stored.row.id) {
      throw await this.#access.refuse(
        caller,
        stored.row.patient_id,
        'meeting.invitation',
        stored.row.id,
        'this link is for another meeting',
        actor,
      );
    }

    return actor;
  }
}
