import { randomUUID } from 'node:crypto';

import type { Actor, Caller } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, planAccessFor } from '../access/CareTeamAccess.ts';
import type { AuditAction, AuditLog } from '../audit/AuditLog.ts';
import type { Database, Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { Consent, GrantConsent } from '../protocol/index.ts';

interface ConsentRow {
  id: string;
  patient_id: string;
  scope: Consent['scope'];
  grantee_organisation_id: string | null;
  grantee_person_id: string | null;
  grantee_name: string | null;
  given_on: string;
  recorded_by: string;
  recorded_by_name: string;
  recorded_at: Date | string;
  withdrawn_at: Date | string | null;
  withdrawn_by: string | null;
}

const SELECT_CONSENTS = `
  select c.id, c.patient_id, c.scope, c.grantee_organisation_id, c.grantee_person_id,
         coalesce(gp.display_name, nullif(concat_ws(', ', go.unit, go.name), '')) as grantee_name,
         c.given_on::text as given_on, c.recorded_by, rb.display_name as recorded_by_name,
         c.recorded_at, c.withdrawn_at, c.withdrawn_by
    from consents c
    join persons rb on rb.id = c.recorded_by
    left join persons gp on gp.id = c.grantee_person_id
    left join organisations go on go.id = c.grantee_organisation_id`;

function toConsent(row: ConsentRow): Consent {
  return {
    id: row.id,
    patientId: row.patient_id,
    scope: row.scope,
    granteeOrganisationId: row.grantee_organisation_id,
    granteePersonId: row.grantee_person_id,
    granteeName: row.grantee_name,
    givenOn: row.given_on,
    recordedBy: row.recorded_by,
    recordedByName: row.recorded_by_name,
    recordedAt: new Date(row.recorded_at).toISOString(),
    withdrawnAt: row.withdrawn_at === null ? null : new Date(row.withdrawn_at).toISOString(),
    withdrawnBy: row.withdrawn_by,
  };
}

/**
 * The patient's consents: to having an individual plan, and to sharing the care plan with an
 * organisation outside the treating hospital or with a relative. The patient and the staff of the
 * care team record them as the patient gives or withdraws them; a withdrawal takes effect at once.
 */
export class ConsentService {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #access: CareTeamAccess;

  constructor(db: Database, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
    this.#access = new CareTeamAccess(db);
  }

  async list(caller: Caller, patientId: string): Promise<Consent[]> {
    const actor = await this.#recorder(caller, patientId, 'consent.read');
    const rows = await this.#db.query<ConsentRow>(
      `${SELECT_CONSENTS} where c.patient_id = $1 order by c.recorded_at, c.id`,
      [patientId],
    );

    await this.#record(actor, 'consent.read', 'success');

    return rows.map(toConsent);
  }

  async grant(caller: Caller, input: GrantConsent): Promise<Consent> {
    const actor = await this.#recorder(caller, input.patientId, 'consent.grant');

    return this.#refusalsAudited(actor, 'consent.grant', () => this.#grant(actor, input));
  }

  async #grant(actor: Actor, input: GrantConsent): Promise<Consent> {
    if (input.givenOn > new Date().toISOString().slice(0, 10)) {
      throw new AppError('invalid_request', 'a consent cannot be given on a future date');
    }

    return this.#db.transaction(async (tx) => {
      await this.#checkGrantee(tx, input);

      const id = `consent-${randomUUID()}`;

      await tx.query(
        `insert into consents
           (id, patient_id, scope, grantee_organisation_id, grantee_person_id, given_on,
            recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7)`,
        [
          id,
          input.patientId,
          input.scope,
          input.granteeOrganisationId,
          input.granteePersonId,
          input.givenOn,
          actor.personId,
        ],
      );
      await this.#record(actor, 'consent.grant', 'success', tx);

      return this.#one(tx, id);
    });
  }

  async withdraw(caller: Caller, consentId: string): Promise<Consent> {
    const [row] = await this.#db.query<{ patient_id: string }>(
      'select patient_id from consents where id = $1',
      [consentId],
    );

    if (!row) throw new AppError('not_found', 'no such consent');

    const actor = await this.#recorder(caller, row.patient_id, 'consent.withdraw');

    return this.#refusalsAudited(actor, 'consent.withdraw', () => this.#withdraw(actor, consentId));
  }

  async #withdraw(actor: Actor, consentId: string): Promise<Consent> {
    return this.#db.transaction(async (tx) => {
      const changed = await tx.query(
        `update consents set withdrawn_at = clock_timestamp(), withdrawn_by = $2
          where id = $1 and withdrawn_at is null returning id`,
        [consentId, actor.personId],
      );

      if (changed.length === 0) {
        throw new AppError('invalid_request', 'this consent has been withdrawn already');
      }

      await this.#record(actor, 'consent.withdraw', 'success', tx);

      return this.#one(tx, consentId);
    });
  }

  /** Runs a change; a refusal of it is audited too, as an error. */
  async #refusalsAudited<T>(actor: Actor, action: AuditAction, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) await this.#record(actor, action, 'error');
      throw error;
    }
  }

  async #one(db: Queryable, id: string): Promise<Consent> {
    const [row] = await db.query<ConsentRow>(`${SELECT_CONSENTS} where c.id = $1`, [id]);

    return toConsent(row!);
  }

  /** A grantee must be an organisation we know, or a relative recorded for this patient. */
  async #checkGrantee(tx: Queryable, input: GrantConsent): Promise<void> {
    if (input.granteeOrganisationId !== null) {
      const found = await tx.query('select 1 from organisations where id = $1', [
        input.granteeOrganisationId,
      ]);

      if (found.length === 0) throw new AppError('invalid_request', 'no such organisation');
    }
    if (input.granteePersonId !== null) {
      const found = await tx.query(
        'select 1 from related_persons where patient_id = $1 and person_id = $2',
        [input.patientId, input.granteePersonId],
      );

      if (found.length === 0) {
        throw new AppError('invalid_request', 'the person is not a relative of this patient');
      }
    }
  }

  /** Who may see and record the patient's consents: the patient, and staff who read the plan. */
  async #recorder(caller: Caller, patientId: string, action: AuditAction): Promise<Actor> {
    let actor: Actor | undefined;

    try {
      actor = await this.#access.planReader(caller, patientId);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }

    if (!actor || !planAccessFor(actor.role).canRecordConsent) {
      const known = actor ?? (await this.#access.actorFor(caller.sub, patientId).catch(() => null));

      await this.#audit.record({
        actorId: caller.sub,
        actorRole: known?.role ?? null,
        organisationId: known?.organisationId ?? null,
        patientId,
        action,
        outcome: 'denied',
      });
      throw new AppError('forbidden', "you may not see or record this patient's consents");
    }

    return actor;
  }

  async #record(
    actor: Actor,
    action: AuditAction,
    outcome: 'success' | 'denied' | 'error',
    tx: Queryable = this.#db,
  ) {
    await this.#audit.record(
      {
        actorId: actor.personId,
        actorRole: actor.role,
        organisationId: actor.organisationId,
        patientId: actor.patientId,
        action,
        outcome,
      },
      tx,
    );
  }
}
