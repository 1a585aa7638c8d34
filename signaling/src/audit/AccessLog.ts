import type { Caller } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, planAccessFor } from '../access/CareTeamAccess.ts';
import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { AccessLogEntry } from '../protocol/index.ts';
import type { AuditLog } from './AuditLog.ts';

/** Audit actions the patient is shown: what touched their plan, consents and record. */
const SHOWN = [
  'careplan.read',
  'careplan.write',
  'careplan.history',
  'consent.grant',
  'consent.withdraw',
  'fhir.read',
  'fhir.export',
  'fhir.import',
  'coordinator.overview',
  'meeting.read',
];

/**
 * "Hvem har sett planen min": the audit trail of one patient's plan, with names, for the patient
 * and their coordinator. Reading it is itself audited.
 */
export class AccessLog {
  readonly #db: Queryable;
  readonly #audit: AuditLog;

  constructor(db: Queryable, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  async forPatient(caller: Caller, patientId: string, limit = 500): Promise<AccessLogEntry[]> {
    const actor = await new CareTeamAccess(this.#db)
      .planReader(caller, patientId)
      .catch((error: unknown) => {
        if (error instanceof AppError) return null;
        throw error;
      });

    if (!actor || !planAccessFor(actor.role).canSeeAccessLog) {
      const known =
        actor ??
        (await new CareTeamAccess(this.#db).actorFor(caller.sub, patientId).catch(() => null));

      await this.#audit.record({
        actorId: caller.sub,
        actorRole: known?.role ?? null,
        organisationId: known?.organisationId ?? null,
        patientId,
        action: 'audit.read',
        outcome: 'denied',
      });
      throw new AppError('forbidden', 'only the patient and the coordinator see who read the plan');
    }

    const rows = await this.#db.query<{
      occurred_at: Date | string;
      actor_name: string | null;
      actor_role: string | null;
      organisation: string | null;
      action: string;
      outcome: AccessLogEntry['outcome'];
    }>(
      `select a.occurred_at, p.display_name as actor_name, a.actor_role,
              nullif(concat_ws(', ', o.unit, o.name), '') as organisation, a.action, a.outcome
         from audit_events a
         left join persons p on p.id = a.actor_id
         left join organisations o on o.id = a.organisation_id
        where a.patient_id = $1 and a.action = any($2::text[])
        order by a.occurred_at desc, a.id desc
        limit $3`,
      [patientId, SHOWN, limit],
    );

    await this.#audit.record({
      actorId: actor.personId,
      actorRole: actor.role,
      organisationId: actor.organisationId,
      patientId,
      action: 'audit.read',
      outcome: 'success',
    });

    return rows.map((r) => ({
      occurredAt: new Date(r.occurred_at).toISOString(),
      actorName: r.actor_name,
      actorRole: r.actor_role,
      organisation: r.organisation,
      action: r.action,
      outcome: r.outcome,
    }));
  }
}
