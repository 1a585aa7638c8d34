import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { ParticipantRole, PlanAccess } from '../protocol/index.ts';

/** A person as they act on one patient's care: who they are to this patient, and from where. */
export interface Actor {
  personId: string;
  displayName: string;
  role: ParticipantRole;
  organisationId: string | null;
  /** "Medisinsk klinikk, Universitetssykehuset": the unit and organisation, for the roster. */
  organisation: string | null;
  patientId: string;
}

/** Who asks, as their access token says: the person, and the one meeting a link is limited to. */
export interface Caller {
  sub: string;
  meetingId?: string;
}

interface ActorRow {
  person_id: string;
  display_name: string;
  role: ParticipantRole;
  organisation_id: string | null;
  organisation: string | null;
  may_read_plan: boolean;
}

/** Roles that work on the plan as professionals. */
const STAFF_ROLES: readonly ParticipantRole[] = ['coordinator', 'physician', 'nurse', 'gp'];

export function isStaff(role: ParticipantRole): boolean {
  return STAFF_ROLES.includes(role);
}

/**
 * Decides who belongs to a patient's care, and who of them may read the care plan.
 *
 * In the care are the patient, the current members of the patient's care team, and the relatives
 * recorded for the patient. Of them, the plan is read by the patient; by team members from the
 * hospital that treats the patient; by team members from any other organisation (a municipality, a
 * GP office) only while the patient's consent to share the plan with that organisation stands; and
 * by relatives only while the patient's consent names them. Interpreters never read the plan.
 */
export class CareTeamAccess {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /** The person as they relate to the patient, or `forbidden` when they are not in the care. */
  async actorFor(personId: string, patientId: string): Promise<Actor> {
    const row = await this.#row(personId, patientId);

    if (!row) throw new AppError('forbidden', "you are not part of this patient's care team");

    return toActor(row, patientId);
  }

  /**
   * The actor, if they may read the patient's care plan now; `forbidden` otherwise. A link made
   * for one meeting reads that meeting's patient's plan and no other.
   */
  async planReader(caller: Caller, patientId: string): Promise<Actor> {
    if (caller.meetingId !== undefined) {
      const [meeting] = await this.#db.query<{ patient_id: string }>(
        'select patient_id from meetings where id = $1',
        [caller.meetingId],
      );

      if (meeting?.patient_id !== patientId) {
        throw new AppError('forbidden', 'this link does not give access to this plan');
      }
    }

    const row = await this.#row(caller.sub, patientId);

    if (!row) throw new AppError('forbidden', "you are not part of this patient's care team");
    if (!row.may_read_plan) {
      throw new AppError(
        'forbidden',
        row.role === 'interpreter'
          ? 'interpreters take part in meetings but do not read the care plan'
          : 'the patient has not consented to sharing the care plan with you',
      );
    }

    return toActor(row, patientId);
  }

  async #row(personId: string, patientId: string): Promise<ActorRow | undefined> {
    // The treating hospital is the whole hospital: all its departments treat the patient. A
    // consent covers what it names: a whole municipality covers all its services; one service
    // (home care) covers that service only.
    const rows = await this.#db.query<ActorRow>(
      `with pt as (
         select pt.id, pt.person_id, pt.treating_organisation_id,
                coalesce(t.part_of, t.id) as treating_entity
           from patients pt left join organisations t on t.id = pt.treating_organisation_id
          where pt.id = $2
       ),
       shared as (
         select c.grantee_organisation_id, c.grantee_person_id
           from consents c
          where c.patient_id = $2 and c.scope = 'share_care_plan' and c.withdrawn_at is null
       )
       select p.id as person_id, p.display_name, 'patient' as role, p.organisation_id,
              null as organisation, true as may_read_plan
         from pt join persons p on p.id = pt.person_id
        where p.id = $1
       union all
       select p.id, p.display_name, m.role, o.id,
              nullif(concat_ws(', ', o.unit, o.name), ''),
              m.role <> 'interpreter' and (
                coalesce(o.part_of, o.id) = (select treating_entity from pt)
                or exists (select 1 from shared s
                            where s.grantee_organisation_id in (o.id, o.part_of))
              )
         from care_team_members m
         join persons p on p.id = m.person_id
         left join organisations o on o.id = coalesce(m.organisation_id, p.organisation_id)
        where m.patient_id = $2 and m.person_id = $1
          and m.period_start <= current_date
          and (m.period_end is null or m.period_end >= current_date)
       union all
       select p.id, p.display_name, 'relative', null, null,
              exists (select 1 from shared s where s.grantee_person_id = p.id)
         from related_persons r join persons p on p.id = r.person_id
        where r.patient_id = $2 and r.person_id = $1`,
      [personId, patientId],
    );

    return rows[0];
  }
}

function toActor(row: ActorRow, patientId: string): Actor {
  return {
    personId: row.person_id,
    displayName: row.display_name,
    role: row.role,
    organisationId: row.organisation_id,
    organisation: row.organisation,
    patientId,
  };
}

/** What a reader of the plan may do with it, by their role. */
export function planAccessFor(role: ParticipantRole): PlanAccess {
  return {
    canEdit: isStaff(role),
    canEditOwnWords: role === 'patient',
    canRecordConsent: isStaff(role) || role === 'patient',
    canSeeAccessLog: role === 'patient' || role === 'coordinator',
  };
}
