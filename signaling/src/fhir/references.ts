import type { HumanName, Reference } from '@medplum/fhirtypes';

import type { Responsible } from '../protocol/index.ts';
import { IDENTIFIER } from './codes.ts';
import type { PatientChart, PersonRecord } from './model.ts';

/**
 * A reference whose target type is decided at run time (a person may be a Patient, Practitioner or
 * RelatedPerson). Medplum's types carry the target as `resource?: T`; `never` fits every field.
 */
export type AnyReference = Reference<never>;

/** What FHIR R4 allows as a resource id. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/**
 * Our id as a FHIR id. Every id Teamrom makes fits (UUIDs, `plan-<uuid>`, the demo's names), so
 * one that does not is a fault in the data, not in the request.
 */
export function fhirId(id: string): string {
  if (!FHIR_ID.test(id)) throw new Error('an id does not fit the FHIR id rules');

  return id;
}

export function isFhirId(id: string): boolean {
  return FHIR_ID.test(id);
}

/**
 * A copy without undefined values, empty arrays or empty objects: FHIR JSON allows none of them,
 * and leaving them out here lets the mapping say `field: value ?? undefined` plainly.
 */
export function prune<T>(value: T): T {
  if (Array.isArray(value)) {
    return value.map(prune).filter((v) => v !== undefined) as T;
  }

  if (value === null || typeof value !== 'object') return value;

  const entries = Object.entries(value as Record<string, unknown>)
    .map(([key, v]) => [key, prune(v)] as const)
    .filter(([, v]) => {
      if (v === undefined) return false;
      if (Array.isArray(v)) return v.length > 0;
      if (v !== null && typeof v === 'object') return Object.keys(v).length > 0;

      return true;
    });

  return Object.fromEntries(entries) as T;
}

export function humanName(person: PersonRecord): HumanName {
  return {
    use: 'official',
    text: person.displayName,
    family: person.familyName ?? undefined,
    given: person.givenName ? [person.givenName] : undefined,
  };
}

/**
 * References between the resources of one patient's chart. A person is referred to as the resource
 * they appear as in this chart: the patient as Patient, staff as Practitioner, the patient's
 * relatives as RelatedPerson. Anyone else (someone refused access, say) is named by our person id
 * only, so that no resource about another patient is ever linked from this one's.
 */
export class ChartReferences {
  readonly #chart: PatientChart;
  readonly #relatives: ReadonlySet<string>;

  constructor(chart: PatientChart) {
    this.#chart = chart;
    this.#relatives = relativeIds(chart);
  }

  patient(): AnyReference {
    return { reference: `Patient/${fhirId(this.#chart.patient.id)}` };
  }

  person(personId: string): AnyReference {
    if (personId === this.#chart.patient.personId) return this.patient();

    const person = this.#chart.persons.get(personId);

    if (person?.kind === 'practitioner') return { reference: `Practitioner/${fhirId(personId)}` };
    if (this.#relatives.has(personId)) return { reference: `RelatedPerson/${fhirId(personId)}` };

    return { identifier: { system: IDENTIFIER.teamromPerson, value: personId } };
  }

  organisation(organisationId: string): AnyReference {
    return { reference: `Organization/${fhirId(organisationId)}` };
  }

  responsible(responsible: Responsible): AnyReference {
    return responsible.kind === 'person'
      ? this.person(responsible.id)
      : this.organisation(responsible.id);
  }

  isPractitioner(personId: string): boolean {
    return (
      personId !== this.#chart.patient.personId &&
      this.#chart.persons.get(personId)?.kind === 'practitioner'
    );
  }
}

/** The people who appear as the patient's RelatedPerson: recorded relatives, relatives in the team. */
export function relativeIds(chart: PatientChart): Set<string> {
  const ids = new Set(chart.relatives.map((r) => r.personId));

  for (const member of chart.careTeam) {
    if (chart.persons.get(member.personId)?.kind === 'relative') ids.add(member.personId);
  }

  return ids;
}
