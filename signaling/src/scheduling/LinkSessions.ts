import type { VerifiedToken } from '../auth/tokens.ts';
import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';

/** How long a link found live is trusted without asking the database again. */
const DEFAULT_CACHE_MS = 5_000;

interface LiveLink {
  meetingId: string;
  checkedAt: number;
}

/**
 * Whether a session opened with a personal link may still be used. A session token made from a
 * link names it (`linkId`); once the link is reissued (revoked) or its meeting cancelled, every
 * use of the token that grants access is refused: a new connection, every event on a live one,
 * every HTTP request with it as bearer, and its renewal. Tokens without a link (staff, demo) pass.
 *
 * A live link is remembered for a few seconds, so that the events of a meeting do not each ask
 * the database; a change of the meeting made on this node forgets it at once (`forgetMeeting`).
 */
export class LinkSessions {
  readonly #db: Queryable;
  readonly #cacheMs: number;
  readonly #live = new Map<string, LiveLink>();

  constructor(db: Queryable, options: { cacheMs?: number } = {}) {
    this.#db = db;
    this.#cacheMs = options.cacheMs ?? DEFAULT_CACHE_MS;
  }

  /** Whether the token needs no database check now: no link, or a link found live just now. */
  isKnownLive(token: VerifiedToken): boolean {
    if (token.linkId === undefined) return true;

    const live = this.#live.get(token.linkId);

    return live !== undefined && Date.now() - live.checkedAt < this.#cacheMs;
  }

  /**
   * Throws `unauthorized` when the token's link has been revoked (reissued, or its holder taken
   * off the meeting), `meeting_cancelled` when its meeting has been cancelled.
   */
  async assertLive(token: VerifiedToken): Promise<void> {
    if (this.isKnownLive(token)) return;

    const linkId = token.linkId!;
    const [row] = await this.#db.query<{
      meeting_id: string;
      revoked_at: Date | string | null;
      status: string;
    }>(
      `select l.meeting_id, l.revoked_at, m.status
         from meeting_links l join meetings m on m.id = l.meeting_id
        where l.id = $1`,
      [linkId],
    );

    if (!row || row.revoked_at !== null || row.meeting_id !== token.meetingId) {
      this.#live.delete(linkId);
      throw new AppError(
        'unauthorized',
        'this session was opened with a link that has been replaced: use the link in your ' +
          'latest invitation',
      );
    }
    if (row.status === 'cancelled') {
      this.#live.delete(linkId);
      throw new AppError('meeting_cancelled', 'the meeting has been cancelled');
    }

    this.#live.set(linkId, { meetingId: row.meeting_id, checkedAt: Date.now() });
  }

  /** Forgets what was known about the meeting's links, after it changed. */
  forgetMeeting(meetingId: string): void {
    for (const [linkId, live] of this.#live) {
      if (live.meetingId === meetingId) this.#live.delete(linkId);
    }
  }
}
