import type { Caller } from '../access/CareTeamAccess.ts';
import { CareTeamAccess } from '../access/CareTeamAccess.ts';
import type { AuditLog } from '../audit/AuditLog.ts';
import type { Database } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { CoordinatedPatient, CoordinatorOverview } from '../protocol/index.ts';
import { loadMeetings, occurrenceView } from './meetingRows.ts';
import { occurrencesOf } from './recurrence.ts';
import { formatDate, wallClockAt } from './zonedTime.ts';

/** How many upcoming occurrences each patient shows. */
const UPCOMING_PER_PATIENT = 3;

interface PatientRow {
  patient_id: string;
  display_name: string;
  plan_id: string | null;
  next_review: string | null;
  open_actions: number;
  overdue_actions: number;
}

/**
 * The coordinator's home page: each patient they coordinate now, with the plan's next review,
 * its open and overdue actions (only where the coordinator may read the plan: from the treating
 * hospital, or with the patient's consent), and the meetings coming up. Only counts leave the plan; reading
 * them is audited per patient. A token limited to one meeting (a link) shows that meeting's
 * patient only.
 */
export class CoordinatorOverviewService {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #now: () => Date;

  constructor(deps: { db: Database; audit: AuditLog; now?: () => Date }) {
    this.#db = deps.db;
    this.#audit = deps.audit;
    this.#now = deps.now ?? (() => new Date());
  }

  async overview(caller: Caller): Promise<CoordinatorOverview> {
    const now = this.#now();
    // Overdue by the calendar in Oslo, where the care is given.
    const today = formatDate(wallClockAt(now, 'Europe/Oslo'));
    const rows = await this.#db.query<PatientRow>(
      `select pt.id as patient_id, p.display_name, cp.id as plan_id,
              cp.document ->> 'nextReview' as next_review,
              (select count(*) from jsonb_array_elements(coalesce(cp.document -> 'actions', '[]'))
                 a where a ->> 'status' in ('open', 'in_progress'))::int as open_actions,
              (select count(*) from jsonb_array_elements(coalesce(cp.document -> 'actions', '[]'))
                 a where a ->> 'status' in ('open', 'in_progress')
                   and a ->> 'dueDate' < $2)::int as overdue_actions
         from care_team_members m
         join patients pt on pt.id = m.patient_id
         join persons p on p.id = pt.person_id
         left join lateral (
           select id, document from care_plans where patient_id = pt.id order by id limit 1
         ) cp on true
        where m.person_id = $1 and m.role = 'coordinator'
          and m.period_start <= current_date
          and (m.period_end is null or m.period_end >= current_date)
          and ($3::text is null or pt.id = (select patient_id from meetings where id = $3))
        order by p.display_name, pt.id`,
      [caller.sub, today, caller.meetingId ?? null],
    );
    const upcoming = await this.#upcoming(
      rows.map((r) => r.patient_id),
      now,
    );
    const access = new CareTeamAccess(this.#db);
    const patients: CoordinatedPatient[] = [];

    for (const row of rows) {
      const actor = await access.actorFor(caller.sub, row.patient_id);
      const planAccess = await access.planReader(caller, row.patient_id).then(
        () => true,
        (error: unknown) => {
          if (error instanceof AppError) return false;
          throw error;
        },
      );

      patients.push({
        patientId: row.patient_id,
        displayName: row.display_name,
        planAccess,
        carePlanId: planAccess ? row.plan_id : null,
        nextReview: planAccess ? row.next_review : null,
        openActions: planAccess ? row.open_actions : null,
        overdueActions: planAccess ? row.overdue_actions : null,
        upcomingMeetings: upcoming.get(row.patient_id) ?? [],
      });
      await this.#audit.record({
        actorId: actor.personId,
        actorRole: actor.role,
        organisationId: actor.organisationId,
        patientId: row.patient_id,
        action: 'coordinator.overview',
        outcome: 'success',
      });
    }

    return { patients };
  }

  async #upcoming(patientIds: string[], now: Date) {
    const ids = await this.#db.query<{ id: string }>(
      `select id from meetings
        where patient_id = any($1::text[]) and kind = 'scheduled' and status = 'scheduled'`,
      [patientIds],
    );
    const byPatient = new Map<string, CoordinatedPatient['upcomingMeetings']>();

    for (const stored of await loadMeetings(
      this.#db,
      ids.map((r) => r.id),
    )) {
      const coming = occurrencesOf(stored.schedule!)
        .filter((o) => o.end.getTime() > now.getTime())
        .map((o) => ({
          ...occurrenceView(o, stored.row.time_zone),
          meetingId: stored.row.id,
          purpose: stored.row.purpose,
        }));
      const list = byPatient.get(stored.row.patient_id) ?? [];

      byPatient.set(stored.row.patient_id, [...list, ...coming]);
    }
    for (const [patientId, list] of byPatient) {
      byPatient.set(
        patientId,
        list.sort((a, b) => a.startsAt.localeCompare(b.startsAt)).slice(0, UPCOMING_PER_PATIENT),
      );
    }

    return byPatient;
  }
}
