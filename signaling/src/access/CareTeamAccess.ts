import type { Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { ParticipantRole } from '../protocol/index.ts';

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

interface ActorRow {
  person_id: string;
  display_name: string;
  role: ParticipantRole;
  organisation_id: string | null;
  organisation: string | null;
}

/**
 * Decides who belongs to a patient's care: the patient, and the members of the patient's care team.
 * Nobody else reads the plan or joins the patient's meetings.
 */
export class CareTeamAccess {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /** The person as they relate to the patient, or `forbidden` when they are not in the care. */
  async actorFor(personId: string, patientId: string): Promise<Actor> {
    const rows = await this.#db.query<ActorRow>(
      `select p.id as person_id, p.display_name, 'patient' as role, p.organisation_id,
              null as organisation
         from patients pt join persons p on p.id = pt.person_id
        where pt.id = $2 and p.id = $1
       union all
       select p.id, p.display_name, m.role, p.organisation_id,
              nullif(concat_ws(', ', o.unit, o.name), '') as organisation
         from care_team_members m
         join persons p on p.id = m.person_id
         left join organisations o on o.id = p.organisation_id
        where m.patient_id = $2 and m.person_id = $1`,
      [personId, patientId],
    );
    const row = rows[0];

    if (!row) throw new AppError('forbidden', "you are not part of this patient's care team");

    return {
      personId: row.person_id,
      displayName: row.display_name,
      role: row.role,
      organisationId: row.organisation_id,
      organisation: row.organisation,
      patientId,
    };
  }
}

/**
 * Roles that may change the care plan.
 * LIMITATION: the patient and relatives can only read the plan, even "what matters to you",
 * which should be theirs to write; consent for staff outside the treating hospital is not
 * recorded or checked yet.
 */
export function canEditPlan(role: ParticipantRole): boolean {
  return role === 'coordinator' || role === 'physician' || role === 'nurse' || role === 'gp';
}
