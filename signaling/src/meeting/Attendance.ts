import type { Queryable } from '../db/index.ts';
import type { AttendanceEntry } from '../protocol/index.ts';
import type { Peer } from './Peer.ts';

/**
 * One stay in a meeting: a Peer on this node, or a participant of a dead signalling node that
 * this one removed (see RedisRoster).
 */
export type Stay = Pick<Peer, 'id' | 'joinedAt' | 'actor'> & { meeting: { id: string } };

export type AttendanceLeaveReason = NonNullable<AttendanceEntry['leaveReason']>;

/**
 * Who was in which meeting from when to when: one row per stay, written as a peer joins and
 * completed as it leaves. Both writes carry the whole row, so a leave written before its join has
 * landed still leaves a complete record.
 */
export class Attendance {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async joined(peer: Peer): Promise<void> {
    await this.#db.query(
      `insert into meeting_attendance
         (peer_id, joined_at, meeting_id, person_id, role, organisation_id)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (peer_id, joined_at) do nothing`,
      this.#row(peer),
    );
  }

  async left(peer: Stay, reason: AttendanceLeaveReason): Promise<void> {
    await this.#db.query(
      `insert into meeting_attendance
         (peer_id, joined_at, meeting_id, person_id, role, organisation_id, left_at, leave_reason)
       values ($1, $2, $3, $4, $5, $6, clock_timestamp(), $7)
       on conflict (peer_id, joined_at) do update
         set left_at = excluded.left_at, leave_reason = excluded.leave_reason`,
      [...this.#row(peer), reason],
    );
  }

  async of(meetingId: string): Promise<AttendanceEntry[]> {
    const rows = await this.#db.query<{
      person_id: string;
      display_name: string;
      role: AttendanceEntry['role'];
      organisation: string | null;
      joined_at: Date | string;
      left_at: Date | string | null;
      leave_reason: AttendanceEntry['leaveReason'];
    }>(
      `select a.person_id, p.display_name, a.role,
              nullif(concat_ws(', ', o.unit, o.name), '') as organisation,
              a.joined_at, a.left_at, a.leave_reason
         from meeting_attendance a
         join persons p on p.id = a.person_id
         left join organisations o on o.id = a.organisation_id
        where a.meeting_id = $1
        order by a.joined_at, a.peer_id`,
      [meetingId],
    );

    return rows.map((r) => ({
      personId: r.person_id,
      displayName: r.display_name,
      role: r.role,
      organisation: r.organisation,
      joinedAt: new Date(r.joined_at).toISOString(),
      leftAt: r.left_at === null ? null : new Date(r.left_at).toISOString(),
      leaveReason: r.leave_reason,
    }));
  }

  #row(peer: Stay): unknown[] {
    return [
      peer.id,
      new Date(peer.joinedAt).toISOString(),
      peer.meeting.id,
      peer.actor.personId,
      peer.actor.role,
      peer.actor.organisationId,
    ];
  }
}
