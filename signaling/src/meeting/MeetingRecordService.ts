import type { Actor, Caller } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, isStaff } from '../access/CareTeamAccess.ts';
import type { AuditLog } from '../audit/AuditLog.ts';
import { carePlanRepository } from '../careplan/CarePlanRepository.ts';
import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type {
  CarePlan,
  CarePlanAction,
  MeetingRecord,
  PlanDirectory,
  PlanNote,
} from '../protocol/index.ts';
import type { Attendance } from './Attendance.ts';
import type { Introductions } from './Introductions.ts';

/**
 * The record of a meeting for the team: who was in it from when to when, the confirmations of
 * introductions, and what was written in the care plan during it. It holds plan text, so it is
 * read only by team members who may read the plan, and each read is audited as a plan read.
 */
export class MeetingRecordService {
  readonly #db: Queryable;
  readonly #audit: AuditLog;
  readonly #attendance: Attendance;
  readonly #introductions: Introductions;

  constructor(deps: {
    db: Queryable;
    audit: AuditLog;
    attendance: Attendance;
    introductions: Introductions;
  }) {
    this.#db = deps.db;
    this.#audit = deps.audit;
    this.#attendance = deps.attendance;
    this.#introductions = deps.introductions;
  }

  async record(caller: Caller, meetingId: string): Promise<MeetingRecord> {
    const [meeting] = await this.#db.query<{
      patient_id: string;
      title: string;
      created_at: Date | string;
    }>('select patient_id, title, created_at from meetings where id = $1', [meetingId]);

    if (!meeting) throw new AppError('not_found', 'no such meeting');

    const actor = await this.#teamReader(caller, meetingId, meeting.patient_id);
    const planId = await carePlanRepository.planIdOf(this.#db, meeting.patient_id);
    const plan = planId ? await carePlanRepository.load(this.#db, planId) : null;
    const [attendance, introductions, actions] = await Promise.all([
      this.#attendance.of(meetingId),
      this.#introductions.of(meetingId),
      plan ? this.#actionsAddedIn(plan, meetingId) : [],
    ]);
    const notes = plan?.notes.filter((n) => n.meetingId === meetingId) ?? [];
    const directory = plan
      ? await this.#directoryOf(plan, notes, actions)
      : { persons: {}, organisations: {} };

    await this.#audit.record({
      actorId: actor.personId,
      actorRole: actor.role,
      organisationId: actor.organisationId,
      patientId: meeting.patient_id,
      meetingId,
      action: 'careplan.read',
      outcome: 'success',
    });

    return {
      meetingId,
      patientId: meeting.patient_id,
      title: meeting.title,
      createdAt: new Date(meeting.created_at).toISOString(),
      attendance,
      introductions,
      notes,
      actions,
      directory,
    };
  }

  async #teamReader(caller: Caller, meetingId: string, patientId: string): Promise<Actor> {
    let actor: Actor | null = null;

    try {
      // A link made for one meeting reads the record of that meeting only.
      if (caller.meetingId !== undefined && caller.meetingId !== meetingId) {
        throw new AppError('forbidden', 'this link is for another meeting');
      }
      actor = await new CareTeamAccess(this.#db).planReader(caller, patientId);
      if (!isStaff(actor.role)) {
        throw new AppError('forbidden', 'the meeting record is for the care team');
      }

      return actor;
    } catch (error) {
      if (error instanceof AppError) {
        await this.#audit.record({
          actorId: caller.sub,
          actorRole: actor?.role ?? null,
          organisationId: actor?.organisationId ?? null,
          patientId,
          meetingId,
          action: 'careplan.read',
          outcome: 'denied',
        });
      }
      throw error;
    }
  }

  /** The plan's directory cut down to whom the record's notes and actions name. */
  async #directoryOf(
    plan: CarePlan,
    notes: PlanNote[],
    actions: CarePlanAction[],
  ): Promise<PlanDirectory> {
    const full = await carePlanRepository.directory(this.#db, {
      ...plan,
      notes,
      actions,
      goals: [],
    });
    const personIds = new Set([
      ...notes.map((n) => n.authorId),
      ...actions.flatMap((a) => (a.responsible.kind === 'person' ? [a.responsible.id] : [])),
    ]);
    const organisationIds = new Set(
      actions.flatMap((a) => (a.responsible.kind === 'organisation' ? [a.responsible.id] : [])),
    );

    return {
      persons: Object.fromEntries(Object.entries(full.persons).filter(([id]) => personIds.has(id))),
      organisations: Object.fromEntries(
        Object.entries(full.organisations).filter(([id]) => organisationIds.has(id)),
      ),
    };
  }

  /**
   * Actions carry no meeting; those of a meeting are the ones added by someone during their stay
   * in it. They are shown as they stand now in the plan.
   */
  async #actionsAddedIn(plan: CarePlan, meetingId: string): Promise<CarePlanAction[]> {
    // LIMITATION: actions carry no meeting id, so an action is placed by time and author: one
    // added by someone in two meetings at once is listed in both, and a stay whose end was never
    // written (the server stopped mid-meeting) counts as lasting until now.
    const rows = await this.#db.query<{ action_id: string }>(
      `select o.operation ->> 'actionId' as action_id
         from plan_operations o
        where o.plan_id = $1 and o.operation ->> 'type' = 'action.add'
          and exists (
            select 1 from meeting_attendance a
             where a.meeting_id = $2 and a.person_id = o.author_id
               and o.applied_at >= a.joined_at
               and (a.left_at is null or o.applied_at <= a.left_at))
        order by o.version`,
      [plan.id, meetingId],
    );
    const byId = new Map(plan.actions.map((a) => [a.id, a]));

    return rows.flatMap((r) => byId.get(r.action_id) ?? []);
  }
}
