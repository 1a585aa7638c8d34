import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

import { CareTeamAccess } from '../access/CareTeamAccess.ts';
import type { AuditLog, AuditOutcome } from '../audit/AuditLog.ts';
import type { TokenService } from '../auth/tokens.ts';
import type { Database, Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type {
  LinkResponse,
  LinkSession,
  LinkTimes,
  OpenLink,
  ParticipantRole,
  RespondByLink,
} from '../protocol/index.ts';
import { LINK_OPENS_MINUTES_BEFORE } from '../protocol/index.ts';
import { linkWindowAt } from './linkWindow.ts';
import type { StoredMeeting } from './meetingRows.ts';
import { activeParticipant, loadMeeting, nextOccurrence, occurrenceView } from './meetingRows.ts';
import { occurrencesOf } from './recurrence.ts';
import type { SchedulingChanges } from './SchedulingChanges.ts';
import { formatLocalDateTime, wallClockAt } from './zonedTime.ts';

/** The subject of a link's token: a link, never a person, so the token alone admits nobody. */
const LINK_SUBJECT = 'link:';
/** A link's token outlives the meeting's last occurrence by this long, to say it has ended. */
const LINK_TOKEN_GRACE_SECONDS = 30 * 24 * 60 * 60;

interface LinkRow {
  id: string;
  meeting_id: string;
  person_id: string;
  revoked_at: Date | string | null;
  device_key_hash: string | null;
}

/**
 * Personal links: how the patient, relatives and interpreters, who have no account, come into a
 * meeting. A link carries a token signed by the TokenService whose subject is the link (a row
 * here), not the person: by itself it joins nothing. POST /api/links/open exchanges it for a
 * session token of the person, and only
 * - while the link is live (a reissue revokes it), its holder still invited and in the care;
 * - while the meeting is not cancelled;
 * - on the device that first entered with it: that device is handed a random key to send back
 *   on later opens, and another device is refused;
 * - from LINK_OPENS_MINUTES_BEFORE an occurrence's start to LINK_CLOSES_MINUTES_AFTER its end.
 * The session token lasts until that occurrence's window closes, and names the link: reissuing
 * the link or cancelling the meeting ends the session (see LinkSessions).
 *
 * LIMITATION: "only that person" is enforced as "only the first device": someone who opens a
 * forwarded link before the invitee does gets in, and an invitee who changes device or clears
 * the browser needs a new link from the team (reissue). A link holds no second factor.
 */
export class PersonalLinks {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #tokens: TokenService;
  readonly #changes: SchedulingChanges;
  readonly #now: () => Date;

  constructor(deps: {
    db: Database;
    audit: AuditLog;
    tokens: TokenService;
    changes: SchedulingChanges;
    now?: () => Date;
  }) {
    this.#db = deps.db;
    this.#audit = deps.audit;
    this.#tokens = deps.tokens;
    this.#changes = deps.changes;
    this.#now = deps.now ?? (() => new Date());
  }

  /** The participant's live link, made when there is none. */
  async ensure(q: Queryable, meetingId: string, personId: string, issuedBy: string) {
    const [live] = await q.query<{ id: string }>(
      `select id from meeting_links
        where meeting_id = $1 and person_id = $2 and revoked_at is null`,
      [meetingId, personId],
    );

    if (live) return live.id;

    const id = randomBytes(16).toString('base64url');

    await q.query(
      `insert into meeting_links (id, meeting_id, person_id, issued_by) values ($1, $2, $3, $4)`,
      [id, meetingId, personId, issuedBy],
    );

    return id;
  }

  /** Revokes the participant's live link; a later ensure() makes a new one. */
  async revoke(q: Queryable, meetingId: string, personId: string): Promise<void> {
    await q.query(
      `update meeting_links set revoked_at = $3
        where meeting_id = $1 and person_id = $2 and revoked_at is null`,
      [meetingId, personId, this.#now()],
    );
  }

  /** The invitation URL of a link: the meeting page with the link's token in the fragment. */
  url(baseUrl: string, stored: StoredMeeting, linkId: string, role: ParticipantRole): string {
    const last = stored.schedule ? occurrencesOf(stored.schedule).at(-1)!.end : this.#now();
    const seconds = Math.max(
      60,
      Math.ceil((last.getTime() - this.#now().getTime()) / 1000) + LINK_TOKEN_GRACE_SECONDS,
    );
    const token = this.#tokens.sign(
      { sub: `${LINK_SUBJECT}${linkId}`, role, meetingId: stored.row.id },
      seconds,
    );

    return `${baseUrl}/m/${encodeURIComponent(stored.row.id)}#link=${token}`;
  }

  /** Exchanges a link for a session token; see the class comment for when it is refused. */
  async open(input: OpenLink): Promise<LinkSession> {
    const { link, stored, role } = await this.#resolve(input.link);
    const refuse = (error: AppError) => this.#record(link, role, stored, 'denied', error);

    if (stored.row.status === 'cancelled') {
      throw await refuse(new AppError('meeting_cancelled', 'the meeting has been cancelled'));
    }
    if (link.device_key_hash !== null && !sameKey(link.device_key_hash, input.deviceKey)) {
      throw await refuse(usedElsewhere());
    }

    const now = this.#now();
    const window = linkWindowAt(occurrencesOf(stored.schedule!), now);
    const timeZone = stored.row.time_zone;

    if (window.state === 'early') {
      const details: LinkTimes = {
        startsAt: window.occurrence.start.toISOString(),
        localStart: formatLocalDateTime(wallClockAt(window.occurrence.start, timeZone)),
        opensAt: window.opensAt.toISOString(),
      };

      throw await refuse(
        new AppError(
          'link_not_open_yet',
          `the meeting starts at ${details.localStart.replace('T', ' ')} (${timeZone}); the ` +
            `link opens ${LINK_OPENS_MINUTES_BEFORE} minutes before`,
          details,
        ),
      );
    }
    if (window.state === 'ended') {
      throw await refuse(ended(window.lastEnd, timeZone));
    }

    try {
      await new CareTeamAccess(this.#db).actorFor(link.person_id, stored.row.patient_id);
    } catch (error) {
      if (error instanceof AppError) throw await refuse(error);
      throw error;
    }

    const deviceKey = input.deviceKey ?? randomBytes(32).toString('base64url');

    if (link.device_key_hash === null) {
      // Two devices opening a fresh link at once: the first to bind it wins.
      const bound = await this.#db.query(
        `update meeting_links set device_key_hash = $2, bound_at = $3
          where id = $1 and device_key_hash is null returning id`,
        [link.id, hashKey(deviceKey), now],
      );

      if (bound.length === 0) throw await refuse(usedElsewhere());
    }
    await this.#db.query('update meeting_links set last_opened_at = $2 where id = $1', [
      link.id,
      now,
    ]);

    const expiresAt = window.closesAt;
    const token = this.#tokens.sign(
      { sub: link.person_id, role, meetingId: stored.row.id, linkId: link.id },
      Math.ceil((expiresAt.getTime() - now.getTime()) / 1000),
    );

    await this.#record(link, role, stored, 'success');

    return {
      token,
      expiresAt: expiresAt.toISOString(),
      meetingId: stored.row.id,
      personId: link.person_id,
      role,
      deviceKey,
      occurrence: occurrenceView(window.occurrence, timeZone),
      language: stored.participants.find((p) => p.person_id === link.person_id)?.language ?? null,
    };
  }

  /**
   * Accepts or declines with the link, at any time until the meeting has ended. It binds no
   * device, so that a relative can answer on the patient's behalf from their own phone; once the
   * link is bound, only that device answers.
   */
  async respond(input: RespondByLink): Promise<LinkResponse> {
    const { link, stored, role } = await this.#resolve(input.link);
    const refuse = (error: AppError) => this.#record(link, role, stored, 'denied', error);
    const now = this.#now();

    if (stored.row.status === 'cancelled') {
      throw await refuse(new AppError('meeting_cancelled', 'the meeting has been cancelled'));
    }
    if (link.device_key_hash !== null && !sameKey(link.device_key_hash, input.deviceKey)) {
      throw await refuse(usedElsewhere());
    }

    const next = nextOccurrence(stored.schedule!, now);

    if (!next) {
      throw await refuse(ended(occurrencesOf(stored.schedule!).at(-1)!.end, stored.row.time_zone));
    }

    await this.#db.query(
      `update meeting_participants
          set response = $3, responded_at = $4, responded_by = null
        where meeting_id = $1 and person_id = $2`,
      [stored.row.id, link.person_id, input.response, now],
    );
    await this.#audit.record({
      actorId: link.person_id,
      actorRole: role,
      organisationId: null,
      patientId: stored.row.patient_id,
      meetingId: stored.row.id,
      action: 'meeting.respond',
      outcome: 'success',
    });
    this.#changes.notify({ meetingId: stored.row.id, change: 'response' });

    return {
      meetingId: stored.row.id,
      response: input.response,
      next: occurrenceView(next, stored.row.time_zone),
    };
  }

  /** The link's row, meeting and the holder's role, or `unauthorized` for what is no live link. */
  async #resolve(
    value: string,
  ): Promise<{ link: LinkRow; stored: StoredMeeting; role: ParticipantRole }> {
    let claims;

    try {
      claims = this.#tokens.verify(value);
    } catch (error) {
      if (error instanceof AppError && /expired/.test(error.message)) {
        throw new AppError('link_closed', 'this link has expired: the meeting is long over');
      }
      throw new AppError('unauthorized', 'this is not a valid meeting link');
    }

    if (!claims.sub.startsWith(LINK_SUBJECT) || claims.meetingId === undefined) {
      throw new AppError('unauthorized', 'this is not a personal meeting link');
    }

    const [link] = await this.#db.query<LinkRow>(
      `select id, meeting_id, person_id, revoked_at, device_key_hash
         from meeting_links where id = $1`,
      [claims.sub.slice(LINK_SUBJECT.length)],
    );

    if (!link || link.meeting_id !== claims.meetingId) {
      throw new AppError('unauthorized', 'this is not a valid meeting link');
    }

    const stored = await loadMeeting(this.#db, link.meeting_id);
    const participant = activeParticipant(stored, link.person_id);

    if (link.revoked_at !== null || !participant || !stored.schedule) {
      await this.#audit.record({
        actorId: link.person_id,
        actorRole: participant?.role ?? null,
        organisationId: null,
        patientId: stored.row.patient_id,
        meetingId: stored.row.id,
        action: 'meeting.link',
        outcome: 'denied',
      });
      throw new AppError(
        'unauthorized',
        participant
          ? 'this link has been replaced by a newer one: use the link in your latest invitation'
          : 'you are no longer invited to this meeting',
      );
    }

    return { link, stored, role: participant.role };
  }

  /** Audits an open of the link; answers the refusal, when there is one, to throw. */
  async #record<E extends AppError | undefined>(
    link: LinkRow,
    role: ParticipantRole,
    stored: StoredMeeting,
    outcome: AuditOutcome,
    error?: E,
  ): Promise<E> {
    await this.#audit.record({
      actorId: link.person_id,
      actorRole: role,
      organisationId: null,
      patientId: stored.row.patient_id,
      meetingId: stored.row.id,
      action: 'meeting.link',
      outcome,
    });

    return error as E;
  }
}

function usedElsewhere(): AppError {
  return new AppError(
    'link_used_elsewhere',
    'this link has already been used on another device; if that was not you, ask the person ' +
      'who invited you for a new link',
  );
}

function ended(lastEnd: Date, timeZone: string): AppError {
  const local = formatLocalDateTime(wallClockAt(lastEnd, timeZone)).replace('T', ' ');

  return new AppError(
    'link_closed',
    `the meeting ended at ${local} (${timeZone}); the link no longer works`,
  );
}

function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

function sameKey(storedHash: string, key: string | undefined): boolean {
  if (key === undefined) return false;

  return timingSafeEqual(Buffer.from(storedHash, 'hex'), Buffer.from(hashKey(key), 'hex'));
}
