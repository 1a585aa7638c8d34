import type { Actor, Caller } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, isStaff } from '../access/CareTeamAccess.ts';
import type { AuditAction, AuditLog } from '../audit/AuditLog.ts';
import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';

/**
 * Who may do what with a patient's meetings. Scheduling, changing, cancelling and handing on
 * invitations is for staff of the patient's care team who may read the patient's plan: a
 * personal link opens a session as the patient (or a relative), so handing one out must not reach
 * further than the plan access of whoever hands it out. A token limited to one meeting (a link)
 * reaches that meeting's patient only. Every refusal is audited.
 */
export class ScheduleAccess {
  readonly #db: Queryable;
  readonly #audit: AuditLog;

  constructor(db: Queryable, audit: AuditLog) {
    this.#db = db;
    this.#audit = audit;
  }

  /** The caller as a member of the patient's care, or `forbidden`. */
  async inCare(
    caller: Caller,
    patientId: string,
    action: AuditAction,
    meetingId: string | null = null,
  ): Promise<Actor> {
    const refuse = (message: string) => this.refuse(caller, patientId, action, meetingId, message);

    if (caller.meetingId !== undefined) {
      const [meeting] = await this.#db.query<{ patient_id: string }>(
        'select patient_id from meetings where id = $1',
        [caller.meetingId],
      );

      if (meeting?.patient_id !== patientId) {
        throw await refuse('this link gives no access to this patient');
      }
    }

    try {
      return await new CareTeamAccess(this.#db).actorFor(caller.sub, patientId);
    } catch (error) {
      if (error instanceof AppError) throw await refuse(error.message);
      throw error;
    }
  }

  /**
   * The caller as staff of the patient's care team who may read the patient's plan (from the
   * treating hospital, or with the patient's consent), or `forbidden`.
   */
  async staff(
    caller: Caller,
    patientId: string,
    action: AuditAction,
    meetingId: string | null = null,
  ): Promise<Actor> {
    const actor = await this.inCare(caller, patientId, action, meetingId);

    if (!isStaff(actor.role)) {
      throw await this.refuse(
        caller,
        patientId,
        action,
        meetingId,
        'only staff of the care team schedule meetings and hand on invitations',
        actor,
      );
    }

    try {
      await new CareTeamAccess(this.#db).planReader(caller, patientId);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;

      throw await this.refuse(
        caller,
        patientId,
        action,
        meetingId,
        'the patient has not consented to sharing the care plan with you, so you cannot ' +
          'schedule meetings or hand on personal links for this patient',
        actor,
      );
    }

    return actor;
  }

  /** Audits a refusal and answers the `forbidden` error to throw. */
  async refuse(
    caller: Caller,
    patientId: string | null,
    action: AuditAction,
    meetingId: string | null,
    message: string,
    actor: Actor | null = null,
  ): Promise<AppError> {
    await this.#audit.record({
      actorId: caller.sub,
      actorRole: actor?.role ?? null,
      organisationId: actor?.organisationId ?? null,
      patientId,
      meetingId,
      action,
      outcome: 'denied',
    });

    return new AppError('forbidden', message);
  }

  async granted(
    actor: Actor,
    action: AuditAction,
    meetingId: string | null,
    tx: Queryable = this.#db,
  ): Promise<void> {
    await this.#audit.record(
      {
        actorId: actor.personId,
        actorRole: actor.role,
        organisationId: actor.organisationId,
        patientId: actor.patientId,
        meetingId,
        action,
        outcome: 'success',
      },
      tx,
    );
  }
}
