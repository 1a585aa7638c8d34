import { randomUUID } from 'node:crypto';

import type { Caller } from '../access/CareTeamAccess.ts';
import type { AuditAction, AuditLog } from '../audit/AuditLog.ts';
import type { Database, Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type {
  Worklist,
  WorklistCandidate,
  WorklistCandidateInput,
  WorklistImport,
  WorklistRowError,
  WorklistThresholds,
} from '../protocol/index.ts';
import { worklistCandidateInputSchema, worklistThresholdsSchema } from '../protocol/index.ts';
import { candidatesFromCsv } from './candidateRows.ts';
import { assess, DEFAULT_THRESHOLDS } from './criteria.ts';
import type { CsvSyntaxError } from './csv.ts';
import { parseCsv } from './csv.ts';

/** A coordinator as the worklist sees them: who, and the organisation whose list they share. */
interface Coordinator {
  personId: string;
  organisationId: string;
  /** The organisation at the top (a municipality, a hospital): the list belongs to it. */
  entityId: string;
}

interface CandidateRow {
  id: string;
  external_ref: string;
  display_name: string;
  age: number;
  long_term_conditions: number;
  emergency_admissions_12m: number;
  bed_days_12m: number;
  municipality: string;
  source: 'csv' | 'entered';
  recorded_at: Date | string;
}

interface ThresholdRow {
  min_age: number;
  min_long_term_conditions: number;
  min_emergency_admissions: number;
  min_bed_days: number;
  min_criteria_met: number;
  municipalities: string[];
}

/**
 * The worklist of people who may need a patient-centred team, shared by the coordinators of one
 * organisation (a municipality, a hospital). People are entered one by one or imported from CSV;
 * an import with any bad row stores nothing and reports every bad row. Each person is flagged by
 * the organisation's thresholds, with the criteria they meet as the reasons, worked out when the
 * list is read, so that changed thresholds apply at once.
 *
 * Coordinators are practitioners of a coordinating unit, or who coordinate a patient now. A token
 * limited to one meeting (a link) never reaches the list. Every read and change is audited.
 *
 * LIMITATION: a person on the worklist cannot yet be taken off it, nor turned into a patient with a
 * care team from it; an import adds and updates people by reference, and removes nobody.
 */
export class WorklistService {
  readonly #db: Database;
  readonly #audit: AuditLog;

  constructor(deps: { db: Database; audit: AuditLog }) {
    this.#db = deps.db;
    this.#audit = deps.audit;
  }

  async list(caller: Caller): Promise<Worklist> {
    const coordinator = await this.#coordinator(caller, 'worklist.read');
    const worklist = await this.#worklist(this.#db, coordinator);

    await this.#record(coordinator, 'worklist.read', 'success');

    return worklist;
  }

  async setThresholds(caller: Caller, input: WorklistThresholds): Promise<Worklist> {
    const thresholds = worklistThresholdsSchema.parse(input);
    const coordinator = await this.#coordinator(caller, 'worklist.write');

    await this.#db.query(
      `insert into worklist_thresholds
         (organisation_id, min_age, min_long_term_conditions, min_emergency_admissions,
          min_bed_days, min_criteria_met, municipalities, updated_by)
       values ($1, $2, $3, $4, $5, $6, $7::text[], $8)
       on conflict (organisation_id) do update
         set min_age = excluded.min_age,
             min_long_term_conditions = excluded.min_long_term_conditions,
             min_emergency_admissions = excluded.min_emergency_admissions,
             min_bed_days = excluded.min_bed_days, min_criteria_met = excluded.min_criteria_met,
             municipalities = excluded.municipalities, updated_by = excluded.updated_by,
             updated_at = now()`,
      [
        coordinator.entityId,
        thresholds.minAge,
        thresholds.minLongTermConditions,
        thresholds.minEmergencyAdmissions,
        thresholds.minBedDays,
        thresholds.minCriteriaMet,
        thresholds.municipalities,
        coordinator.personId,
      ],
    );
    await this.#record(coordinator, 'worklist.write', 'success');

    return this.#worklist(this.#db, coordinator);
  }

  /** Enters one person by hand; one with the same reference is updated. */
  async enter(caller: Caller, input: WorklistCandidateInput): Promise<Worklist> {
    const candidate = worklistCandidateInputSchema.parse(input);
    const coordinator = await this.#coordinator(caller, 'worklist.write');

    await this.#db.transaction(async (tx) => {
      await this.#store(tx, coordinator, [candidate], 'entered');
      await this.#record(coordinator, 'worklist.write', 'success', tx);
    });

    return this.#worklist(this.#db, coordinator);
  }

  /**
   * Imports a CSV file (see WORKLIST_CSV_COLUMNS): every row, or none. A file with any bad row is
   * refused with `invalid_request` and `details.rows`, every bad row with its errors.
   */
  async importCsv(caller: Caller, csv: string): Promise<WorklistImport> {
    const coordinator = await this.#coordinator(caller, 'worklist.import');
    const syntaxErrors: CsvSyntaxError[] = [];
    const records = parseCsv(csv, syntaxErrors);
    const result = candidatesFromCsv(records);
    const rowErrors: WorklistRowError[] = [
      ...syntaxErrors.map((error) => ({
        line: error.line,
        errors: [{ column: null, message: error.message }],
      })),
      // A file whose only rows were unreadable has no rows to say more about.
      ...(result.ok || (syntaxErrors.length > 0 && records.length <= 1) ? [] : result.errors),
    ].sort((a, b) => a.line - b.line);

    if (!result.ok || rowErrors.length > 0) {
      await this.#record(coordinator, 'worklist.import', 'error');
      throw refusal(rowErrors, result.ok ? undefined : result.summary);
    }

    await this.#db.transaction(async (tx) => {
      await this.#store(tx, coordinator, result.candidates, 'csv');
      await this.#record(coordinator, 'worklist.import', 'success', tx);
    });

    return {
      imported: result.candidates.length,
      worklist: await this.#worklist(this.#db, coordinator),
    };
  }

  async #store(
    tx: Queryable,
    coordinator: Coordinator,
    candidates: WorklistCandidateInput[],
    source: 'csv' | 'entered',
  ): Promise<void> {
    for (const c of candidates) {
      await tx.query(
        `insert into worklist_candidates
           (id, organisation_id, external_ref, display_name, age, long_term_conditions,
            emergency_admissions_12m, bed_days_12m, municipality, source, recorded_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         on conflict (organisation_id, external_ref) do update
           set display_name = excluded.display_name, age = excluded.age,
               long_term_conditions = excluded.long_term_conditions,
               emergency_admissions_12m = excluded.emergency_admissions_12m,
               bed_days_12m = excluded.bed_days_12m, municipality = excluded.municipality,
               source = excluded.source, recorded_by = excluded.recorded_by,
               recorded_at = now()`,
        [
          randomUUID(),
          coordinator.entityId,
          c.reference,
          c.name,
          c.age,
          c.longTermConditions,
          c.emergencyAdmissions12m,
          c.bedDays12m,
          c.municipality,
          source,
          coordinator.personId,
        ],
      );
    }
  }

  async #worklist(q: Queryable, coordinator: Coordinator): Promise<Worklist> {
    const [stored] = await q.query<ThresholdRow>(
      `select min_age, min_long_term_conditions, min_emergency_admissions, min_bed_days,
              min_criteria_met, municipalities
         from worklist_thresholds where organisation_id = $1`,
      [coordinator.entityId],
    );
    const thresholds: WorklistThresholds = stored
      ? {
          minAge: stored.min_age,
          minLongTermConditions: stored.min_long_term_conditions,
          minEmergencyAdmissions: stored.min_emergency_admissions,
          minBedDays: stored.min_bed_days,
          minCriteriaMet: stored.min_criteria_met,
          municipalities: stored.municipalities,
        }
      : DEFAULT_THRESHOLDS;
    const rows = await q.query<CandidateRow>(
      `select id, external_ref, display_name, age, long_term_conditions,
              emergency_admissions_12m, bed_days_12m, municipality, source, recorded_at
         from worklist_candidates where organisation_id = $1`,
      [coordinator.entityId],
    );
    const candidates: WorklistCandidate[] = rows.map((row) => {
      const input: WorklistCandidateInput = {
        reference: row.external_ref,
        name: row.display_name,
        age: row.age,
        longTermConditions: row.long_term_conditions,
        emergencyAdmissions12m: row.emergency_admissions_12m,
        bedDays12m: row.bed_days_12m,
        municipality: row.municipality,
      };

      return {
        ...input,
        ...assess(input, thresholds),
        id: row.id,
        source: row.source,
        recordedAt: new Date(row.recorded_at).toISOString(),
      };
    });

    return {
      organisationId: coordinator.entityId,
      thresholds,
      defaultThresholds: !stored,
      candidates: candidates.sort(
        (a, b) =>
          Number(b.flagged) - Number(a.flagged) ||
          b.reasons.length - a.reasons.length ||
          a.name.localeCompare(b.name, 'nb'),
      ),
    };
  }

  /** The caller as a coordinator with their organisation, or `forbidden` (audited). */
  async #coordinator(caller: Caller, action: AuditAction): Promise<Coordinator> {
    const refuse = async (message: string) => {
      await this.#audit.record({
        actorId: caller.sub,
        actorRole: null,
        organisationId: null,
        patientId: null,
        action,
        outcome: 'denied',
      });

      return new AppError('forbidden', message);
    };

    if (caller.meetingId !== undefined) {
      throw await refuse('a meeting link gives no access to the worklist');
    }

    const [row] = await this.#db.query<{ organisation_id: string; entity_id: string }>(
      `select o.id as organisation_id, coalesce(o.part_of, o.id) as entity_id
         from persons p join organisations o on o.id = p.organisation_id
        where p.id = $1 and p.kind = 'practitioner'
          and (o.service = 'coordination_unit' or exists (
                select 1 from care_team_members m
                 where m.person_id = p.id and m.role = 'coordinator'
                   and m.period_start <= current_date
                   and (m.period_end is null or m.period_end >= current_date)))`,
      [caller.sub],
    );

    if (!row) throw await refuse('the worklist is for coordinators');

    return { personId: caller.sub, organisationId: row.organisation_id, entityId: row.entity_id };
  }

  async #record(
    coordinator: Coordinator,
    action: AuditAction,
    outcome: 'success' | 'error',
    tx: Queryable = this.#db,
  ): Promise<void> {
    await this.#audit.record(
      {
        actorId: coordinator.personId,
        actorRole: 'coordinator',
        organisationId: coordinator.organisationId,
        patientId: null,
        action,
        outcome,
      },
      tx,
    );
  }
}

function refusal(rows: WorklistRowError[], summary?: string): AppError {
  return new AppError(
    'invalid_request',
    summary ??
      `${rows.length} ${rows.length === 1 ? 'row has' : 'rows have'} errors; nothing was imported`,
    { rows },
  );
}
