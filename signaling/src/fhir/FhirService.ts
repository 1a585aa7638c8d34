import { randomUUID } from 'node:crypto';

import type { Resource } from '@medplum/fhirtypes';

import type { Actor } from '../access/CareTeamAccess.ts';
import { CareTeamAccess, planAccessFor } from '../access/CareTeamAccess.ts';
import type { AuditAction, AuditLog, AuditOutcome } from '../audit/AuditLog.ts';
import type { VerifiedToken } from '../auth/tokens.ts';
import { carePlanRepository } from '../careplan/CarePlanRepository.ts';
import type { CarePlanService } from '../careplan/CarePlanService.ts';
import type { Database } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { PlanOperation, PlanOperationApplied } from '../protocol/index.ts';
import { emptyPlan } from '../protocol/index.ts';
import type { ChartView } from './bundle.ts';
import { chartResources, findInChart } from './bundle.ts';
import { IDENTIFIER } from './codes.ts';
import type { PatientResourceType } from './FhirRepository.ts';
import { fhirRepository as repo } from './FhirRepository.ts';
import type { ImportedSubject } from './importBundle.ts';
import { readImportBundle } from './importBundle.ts';
import type { PatientChart } from './model.ts';
import { organizationResource, patientResource, practitionerResource } from './people.ts';
import type { PlanChanges } from './planDiff.ts';
import { planChanges } from './planDiff.ts';

export const PATIENT_RESOURCE_TYPES: readonly PatientResourceType[] = [
  'Patient',
  'CareTeam',
  'CarePlan',
  'Goal',
  'Task',
  'Consent',
  'AuditEvent',
  'RelatedPerson',
];

/** Every type `/fhir/<Type>/<id>` reads. */
export const READABLE_TYPES: readonly string[] = [
  ...PATIENT_RESOURCE_TYPES,
  'Practitioner',
  'Organization',
];

const IMPORT_REFUSED = 'you may not import a care plan for this patient';

export interface ImportResult {
  planId: string;
  /** The patient had no plan; the import made one. */
  created: boolean;
  version: number;
  applied: number;
  kept: string[];
}

/** Which parts of the chart a reader in this role sees, as the rest of Teamrom decides it. */
function viewFor(actor: Actor): ChartView {
  const access = planAccessFor(actor.role);

  return { consents: access.canRecordConsent, audit: access.canSeeAccessLog };
}

/**
 * The FHIR API's reads, export and import, for the people allowed to, auditing every attempt as
 * `fhir.read`, `fhir.export` or `fhir.import`. Reads follow the care plan's rule: a patient's
 * resources are for those who may read the patient's plan; consents only for those who may see
 * them, audit events only for the patient and the coordinator. Practitioners and organisations
 * are a directory, readable by anyone signed in. An import changes the plan through
 * CarePlanService, one operation at a time, so that it is checked, audited and sent to everyone
 * with the plan open like any other edit.
 */
export class FhirService {
  readonly #db: Database;
  readonly #audit: AuditLog;
  readonly #carePlans: CarePlanService;
  readonly #access: CareTeamAccess;
  readonly #onPlanChanged: (event: { planId: string; applied: PlanOperationApplied }) => void;

  constructor(options: {
    db: Database;
    audit: AuditLog;
    carePlans: CarePlanService;
    onPlanChanged: (event: { planId: string; applied: PlanOperationApplied }) => void;
  }) {
    this.#db = options.db;
    this.#audit = options.audit;
    this.#carePlans = options.carePlans;
    this.#access = new CareTeamAccess(options.db);
    this.#onPlanChanged = options.onPlanChanged;
  }

  /**
   * The patients the caller may read, optionally narrowed to one id or one identity number. Each
   * patient listed is audited as read.
   */
  async searchPatients(
    caller: VerifiedToken,
    filter: { id?: string; identifier?: { system?: string; value: string } },
  ): Promise<Resource[]> {
    let candidates = await repo.patientsNear(this.#db, caller.sub);

    if (filter.id !== undefined) candidates = candidates.filter((id) => id === filter.id);
    if (filter.identifier !== undefined) {
      const { system, value } = filter.identifier;
      const matching = await Promise.all(
        (system ? [system] : [IDENTIFIER.fnr, IDENTIFIER.dnr]).map((s) =>
          repo.patientByIdentifier(this.#db, s, value),
        ),
      );

      candidates = candidates.filter((id) => matching.includes(id));
    }

    const found: Resource[] = [];

    for (const patientId of candidates) {
      const actor = await this.#readerOrNull(caller, patientId);

      if (!actor) continue;

      const chart = await repo.chart(this.#db, patientId, 'patient');

      if (!chart) continue;
      found.push(patientResource(chart));
      await this.#record(actor, 'fhir.read', 'success');
    }

    return found;
  }

  /** `Patient/<id>/$everything`: the patient's chart, as much of it as the caller may see. */
  async everything(caller: VerifiedToken, patientId: string): Promise<Resource[]> {
    const { actor, chart } = await this.#chartFor(caller, patientId, 'fhir.export');
    const resources = chartResources(chart, viewFor(actor));

    await this.#record(actor, 'fhir.export', 'success');

    return resources;
  }

  /** One resource by type and id: `not_found` when there is none, `forbidden` when not theirs. */
  async read(caller: VerifiedToken, type: string, id: string): Promise<Resource> {
    if (type === 'Practitioner' || type === 'Organization') {
      return this.#readDirectory(caller, type, id);
    }
    if (!PATIENT_RESOURCE_TYPES.includes(type as PatientResourceType)) {
      throw new AppError('not_found', 'Teamrom has no resources of this type');
    }

    const patients = await repo.patientsOf(this.#db, type as PatientResourceType, id);

    if (patients.length === 0) throw new AppError('not_found', `no ${type} with this id`);

    // LIMITATION: a RelatedPerson's id is the person's, so a relative of two patients is read as
    // the relative of the first of them the caller may read.
    let reader: Actor | null = null;

    for (const patientId of patients) {
      reader = await this.#readerOrNull(caller, patientId);
      if (reader) break;
    }

    const chart = reader ? await repo.chart(this.#db, reader.patientId) : null;
    const resource = reader && chart ? findInChart(chart, viewFor(reader), type, id) : undefined;

    if (!reader || !resource) {
      await this.#audit.record({
        actorId: caller.sub,
        actorRole: reader?.role ?? null,
        organisationId: reader?.organisationId ?? null,
        patientId: reader?.patientId ?? patients[0]!,
        action: 'fhir.read',
        outcome: 'denied',
      });
      throw new AppError('forbidden', 'you may not read this resource');
    }

    await this.#record(reader, 'fhir.read', 'success');

    return resource;
  }

  /**
   * Creates or updates the patient's plan from a Bundle holding a CarePlan, its Goals and Tasks.
   * Only staff of the patient's care team import. Nothing is changed unless every change passes
   * the plan's checks.
   */
  async importBundle(caller: VerifiedToken, body: unknown): Promise<ImportResult> {
    const target = readImportBundle(body);
    const { actor, chart } = await this.#importer(caller, target.subject);
    const patientId = chart.patient.id;
    const facts = await carePlanRepository.facts(this.#db, patientId);
    const context = { patientPersonId: chart.patient.personId, facts };
    const existingId = await this.#carePlans.planIdOf(patientId);
    const existing = existingId ? await carePlanRepository.load(this.#db, existingId) : null;
    let changes: PlanChanges;

    try {
      changes = planChanges(existing ?? emptyPlan('new', patientId, ''), target, context);
      await this.#checkResponsible(patientId, changes.operations);
    } catch (error) {
      await this.#record(actor, 'fhir.import', 'error');
      throw error;
    }

    const planId = existingId ?? (await this.#carePlans.create(caller, patientId));
    const current = (await carePlanRepository.load(this.#db, planId))!;

    // Someone changed the plan, or made one, since we looked: work from what is there now.
    if (current.version !== (existing?.version ?? 0)) {
      changes = planChanges(current, target, context);
    }

    const version = await this.#applyAll(caller, actor, planId, current.version, changes);

    await this.#record(actor, 'fhir.import', 'success');

    return {
      planId,
      created: existingId === null,
      version,
      applied: changes.operations.length,
      kept: changes.kept,
    };
  }

  /**
   * The importer, when they are staff who may read the patient's plan. The answer is the same
   * whether the patient is unknown or outside the caller's care, so that an import cannot be used
   * to learn whether an identity number belongs to a patient here.
   */
  async #importer(
    caller: VerifiedToken,
    subject: ImportedSubject,
  ): Promise<{ actor: Actor; chart: PatientChart }> {
    const patientId = subject.identifier
      ? await repo.patientByIdentifier(
          this.#db,
          subject.identifier.system,
          subject.identifier.value,
        )
      : subject.id;
    const chart = patientId ? await repo.chart(this.#db, patientId, 'patient') : null;

    if (!chart) {
      await this.#audit.record({
        actorId: caller.sub,
        actorRole: null,
        organisationId: null,
        patientId: null,
        action: 'fhir.import',
        outcome: 'denied',
      });
      throw new AppError('forbidden', IMPORT_REFUSED);
    }

    const actor = await this.#authorise(caller, chart.patient.id, 'fhir.import').catch(
      (error: unknown) => {
        throw error instanceof AppError && error.code === 'forbidden'
          ? new AppError('forbidden', IMPORT_REFUSED)
          : error;
      },
    );

    if (!planAccessFor(actor.role).canEdit) {
      await this.#record(actor, 'fhir.import', 'denied');
      throw new AppError('forbidden', IMPORT_REFUSED);
    }

    return { actor, chart };
  }

  /** Applies the changes in order, each based on the version the one before left; the last one. */
  async #applyAll(
    caller: VerifiedToken,
    actor: Actor,
    planId: string,
    baseVersion: number,
    changes: PlanChanges,
  ): Promise<number> {
    let version = baseVersion;

    for (const [i, operation] of changes.operations.entries()) {
      try {
        const result = await this.#carePlans.apply(caller, {
          planId,
          baseVersion: version,
          idempotencyKey: randomUUID(),
          operation,
        });

        version = result.applied.version;
        if (!result.replayed) this.#onPlanChanged({ planId, applied: result.applied });
      } catch (error) {
        const conflict = error instanceof AppError && error.code === 'plan_conflict';

        await this.#record(actor, 'fhir.import', conflict ? 'conflict' : 'error');
        if (!(error instanceof AppError)) throw error;

        // LIMITATION: an import is applied one operation at a time; a change made by someone else
        // in between stops it part-way, with the operations before it applied (the reply says how
        // many); sending the bundle again finishes it.
        throw new AppError(
          error.code,
          `the import stopped after ${i} of ${changes.operations.length} changes: ${error.message}`,
          { applied: i, total: changes.operations.length, version },
        );
      }
    }

    return version;
  }

  /** A person responsible for an action must be in the patient's care, an organisation known. */
  async #checkResponsible(patientId: string, operations: PlanOperation[]): Promise<void> {
    const named = operations.flatMap((op) =>
      op.type === 'action.add'
        ? [op.responsible]
        : op.type === 'action.update' && op.changes.responsible
          ? [op.changes.responsible]
          : [],
    );

    if (named.length === 0) return;

    const inCare = await repo.peopleInCare(this.#db, patientId);
    const organisations = await repo.existingOrganisations(
      this.#db,
      named.flatMap((r) => (r.kind === 'organisation' ? [r.id] : [])),
    );
    const unknown = named.find((r) =>
      r.kind === 'person' ? !inCare.has(r.id) : !organisations.has(r.id),
    );

    if (unknown) {
      throw new AppError(
        'invalid_request',
        unknown.kind === 'person'
          ? `Task.owner: Practitioner or RelatedPerson/${unknown.id} is not in this patient's care`
          : `Task.owner: Organization/${unknown.id} is not known here`,
        { expression: ['Task.owner'] },
      );
    }
  }

  async #readDirectory(
    caller: VerifiedToken,
    type: 'Practitioner' | 'Organization',
    id: string,
  ): Promise<Resource> {
    const resource =
      type === 'Practitioner'
        ? await repo.practitioner(this.#db, id).then((p) => p && practitionerResource(p))
        : await repo.organisation(this.#db, id).then((o) => o && organizationResource(o));

    if (!resource) throw new AppError('not_found', `no ${type} with this id`);

    await this.#audit.record({
      actorId: caller.sub,
      actorRole: caller.role,
      organisationId: null,
      patientId: null,
      action: 'fhir.read',
      outcome: 'success',
    });

    return resource;
  }

  async #chartFor(
    caller: VerifiedToken,
    patientId: string,
    action: AuditAction,
  ): Promise<{ actor: Actor; chart: PatientChart }> {
    const [exists] = await this.#db.query('select 1 from patients where id = $1', [patientId]);

    if (!exists) throw new AppError('not_found', 'no Patient with this id');

    const actor = await this.#authorise(caller, patientId, action);
    const chart = await repo.chart(this.#db, patientId);

    if (!chart) throw new AppError('not_found', 'no Patient with this id');

    return { actor, chart };
  }

  /** The caller as a reader of the patient's plan, or null when they may not read it. */
  async #readerOrNull(caller: VerifiedToken, patientId: string): Promise<Actor | null> {
    try {
      return await this.#access.planReader(caller, patientId);
    } catch (error) {
      if (error instanceof AppError) return null;
      throw error;
    }
  }

  async #authorise(caller: VerifiedToken, patientId: string, action: AuditAction): Promise<Actor> {
    try {
      return await this.#access.planReader(caller, patientId);
    } catch (error) {
      await this.#audit.record({
        actorId: caller.sub,
        actorRole: null,
        organisationId: null,
        patientId,
        action,
        outcome: 'denied',
      });
      throw error;
    }
  }

  async #record(actor: Actor, action: AuditAction, outcome: AuditOutcome): Promise<void> {
    await this.#audit.record({
      actorId: actor.personId,
      actorRole: actor.role,
      organisationId: actor.organisationId,
      patientId: actor.patientId,
      action,
      outcome,
    });
  }
}
