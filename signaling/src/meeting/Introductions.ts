import type { AuditLog } from '../audit/AuditLog.ts';
import type { Database } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { IntroductionsConfirmation, ParticipantRole } from '../protocol/index.ts';
import type { Meeting } from './Meeting.ts';
import type { Peer } from './Peer.ts';
import type { SharedPeer } from '../cluster/SharedRoster.ts';
import { rosterOf } from './roster.ts';

interface ConfirmationRow {
  meeting_id: string;
  confirmed_by: string;
  confirmed_by_role: ParticipantRole;
  display_name: string;
  confirmed_at: Date | string;
  person_ids: string[] | string;
}

const SELECT = `
  select i.meeting_id, i.confirmed_by, i.confirmed_by_role, p.display_name, i.confirmed_at,
         i.person_ids
    from meeting_introductions i join persons p on p.id = i.confirmed_by`;

/**
 * The meeting leader's confirmation that everyone present has been introduced by name, role and
 * organisation: recorded with who confirmed, when, and who was there, and audited.
 */
export class Introductions {
  readonly #db: Database;
  readonly #audit: AuditLog;

  constructor(db: Database, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  /** `elsewhere`: the meeting's participants on other signalling nodes (none for one node). */
  async confirm(
    peer: Peer,
    elsewhere: readonly SharedPeer[] = [],
  ): Promise<IntroductionsConfirmation> {
    const meeting = peer.meeting;
    const entry = {
      actorId: peer.actor.personId,
      actorRole: peer.actor.role,
      organisationId: peer.actor.organisationId,
      patientId: meeting.patientId,
      meetingId: meeting.id,
      action: 'meeting.introductions' as const,
    };

    const roster = rosterOf(meeting, null, elsewhere);

    if (roster.leaderPeerId !== peer.id) {
      await this.#audit.record({ ...entry, outcome: 'denied' });
      throw new AppError('forbidden', 'only the meeting leader confirms the introductions');
    }

    const personIds = [...new Set(roster.participants.map((p) => p.personId))];
    const row = await this.#db.transaction(async (tx) => {
      const [inserted] = await tx.query<{ id: number }>(
        `insert into meeting_introductions (meeting_id, confirmed_by, confirmed_by_role, person_ids)
         values ($1, $2, $3, $4) returning id`,
        [meeting.id, peer.actor.personId, peer.actor.role, JSON.stringify(personIds)],
      );

      await this.#audit.record({ ...entry, outcome: 'success' }, tx);

      return (await tx.query<ConfirmationRow>(`${SELECT} where i.id = $1`, [inserted!.id]))[0]!;
    });

    peer.log.info({ people: personIds.length }, 'introductions confirmed');

    return toConfirmation(row);
  }

  /** The latest confirmation in the meeting as it is held now, not in earlier sessions of it. */
  async latest(meeting: Meeting): Promise<IntroductionsConfirmation | null> {
    const [row] = await this.#db.query<ConfirmationRow>(
      `${SELECT} where i.meeting_id = $1 and i.confirmed_at >= $2
        order by i.confirmed_at desc, i.id desc limit 1`,
      [meeting.id, meeting.openedAt.toISOString()],
    );

    return row ? toConfirmation(row) : null;
  }

  async of(meetingId: string): Promise<IntroductionsConfirmation[]> {
    const rows = await this.#db.query<ConfirmationRow>(
      `${SELECT} where i.meeting_id = $1 order by i.confirmed_at, i.id`,
      [meetingId],
    );

    return rows.map(toConfirmation);
  }
}

function toConfirmation(row: ConfirmationRow): IntroductionsConfirmation {
  return {
    meetingId: row.meeting_id,
    confirmedBy: {
      personId: row.confirmed_by,
      displayName: row.display_name,
      role: row.confirmed_by_role,
    },
    confirmedAt: new Date(row.confirmed_at).toISOString(),
    // PGlite hands jsonb back parsed; some pg set-ups hand it back as text.
    personIds:
      typeof row.person_ids === 'string'
        ? (JSON.parse(row.person_ids) as string[])
        : row.person_ids,
  };
}
