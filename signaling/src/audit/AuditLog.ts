import type { Queryable } from '../db/index.ts';
import type { Logger } from '../logger.ts';

export type AuditAction =
  | 'careplan.read'
  | 'careplan.write'
  | 'careplan.history'
  | 'consent.read'
  | 'consent.grant'
  | 'consent.withdraw'
  | 'audit.read'
  | 'fhir.read'
  | 'fhir.export'
  | 'fhir.import'
  | 'meeting.join'
  | 'meeting.leave'
  | 'meeting.schedule'
  | 'meeting.reschedule'
  | 'meeting.cancel'
  | 'meeting.respond'
  | 'meeting.read'
  | 'meeting.list'
  | 'meeting.invitation'
  | 'meeting.link'
  | 'coordinator.overview'
  | 'worklist.read'
  | 'worklist.write'
  | 'worklist.import'
  | 'meeting.admit'
  | 'meeting.return'
  | 'meeting.introductions'
  | 'meeting.ring';

export type AuditOutcome = 'success' | 'denied' | 'conflict' | 'error';

export interface AuditEntry {
  actorId: string | null;
  actorRole: string | null;
  organisationId: string | null;
  patientId: string | null;
  meetingId?: string | null;
  action: AuditAction;
  outcome: AuditOutcome;
}

/** The append-only record of every access to a patient's data. It never holds care-plan text. */
export class AuditLog {
  readonly #db: Queryable;
  readonly #log: Logger;

  constructor(db: Queryable, log: Logger) {
    this.#db = db;
    this.#log = log;
  }

  /**
   * Writes one entry. Pass the transaction when the audited change runs in one, so that the
   * change and its record commit together.
   */
  async record(entry: AuditEntry, tx: Queryable = this.#db): Promise<void> {
    await tx.query(
      `insert into audit_events
         (actor_id, actor_role, organisation_id, patient_id, meeting_id, action, outcome)
       values ($1, $2, $3, $4, $5, $6, $7)`,
      [
        entry.actorId,
        entry.actorRole,
        entry.organisationId,
        entry.patientId,
        entry.meetingId ?? null,
        entry.action,
        entry.outcome,
      ],
    );
    this.#log.debug({ action: entry.action, outcome: entry.outcome }, 'audited');
  }
}
