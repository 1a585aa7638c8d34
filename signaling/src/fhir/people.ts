import type {
  CareTeam,
  CodeableConcept,
  Organization,
  Patient,
  Practitioner,
  RelatedPerson,
} from '@medplum/fhirtypes';

import type { ParticipantRole } from '../protocol/index.ts';
import { EXTENSION, IDENTIFIER, SYSTEM } from './codes.ts';
import type { OrganisationRecord, PatientChart, PersonRecord, Relationship } from './model.ts';
import { ChartReferences, fhirId, humanName, prune } from './references.ts';

/** The relationship as HL7's v3 RoleCode has it: the relative's role towards the patient. */
const RELATIONSHIP: Record<Relationship, { system: string; code: string; display: string }> = {
  spouse: { system: SYSTEM.roleCode, code: 'SPS', display: 'spouse' },
  partner: { system: SYSTEM.roleCode, code: 'DOMPART', display: 'domestic partner' },
  child: { system: SYSTEM.roleCode, code: 'CHILD', display: 'child' },
  parent: { system: SYSTEM.roleCode, code: 'PRN', display: 'parent' },
  sibling: { system: SYSTEM.roleCode, code: 'SIB', display: 'sibling' },
  friend: { system: SYSTEM.roleCode, code: 'FRND', display: 'unrelated friend' },
  neighbour: { system: SYSTEM.roleCode, code: 'NBOR', display: 'neighbor' },
  other: { system: SYSTEM.contactRelationship, code: 'O', display: 'Other' },
};

const NEXT_OF_KIN: CodeableConcept = {
  coding: [{ system: SYSTEM.contactRelationship, code: 'N', display: 'Next-of-Kin' }],
};

const ROLE_DISPLAY: Record<ParticipantRole, string> = {
  coordinator: 'Koordinator',
  physician: 'Lege',
  nurse: 'Sykepleier',
  gp: 'Fastlege',
  patient: 'Pasient',
  relative: 'Pårørende',
  interpreter: 'Tolk',
};

/** Our kinds of organisation as HL7's organization-type has them. */
const ORGANISATION_TYPE: Record<OrganisationRecord['kind'], { code: string; display: string }> = {
  hospital: { code: 'prov', display: 'Healthcare Provider' },
  gp_office: { code: 'prov', display: 'Healthcare Provider' },
  municipality: { code: 'govt', display: 'Government' },
};

export function participantRole(role: string): CodeableConcept {
  const display = ROLE_DISPLAY[role as ParticipantRole] as string | undefined;

  return { coding: [{ system: SYSTEM.participantRole, code: role, display }] };
}

/**
 * The patient with the identity number (fødselsnummer or D-nummer, by the system it is stored
 * under), the languages they speak (the preferred one first; an interpreter's language after it,
 * with HL7's interpreterRequired), their GP, the treating hospital, and next of kin as contacts.
 */
export function patientResource(chart: PatientChart): Patient {
  const { patient } = chart;
  const person = chart.persons.get(patient.personId);
  const refs = new ChartReferences(chart);
  const interpreter =
    patient.interpreterLanguage !== null && patient.interpreterLanguage !== ''
      ? patient.interpreterLanguage
      : null;
  const language = (code: string): CodeableConcept => ({
    coding: [{ system: SYSTEM.language, code }],
  });

  return prune<Patient>({
    resourceType: 'Patient',
    id: fhirId(patient.id),
    extension: interpreter ? [{ url: EXTENSION.interpreterRequired, valueBoolean: true }] : [],
    identifier: [
      { use: 'official', system: patient.identifierSystem, value: patient.identifierValue },
    ],
    active: true,
    name: person ? [humanName(person)] : [],
    birthDate: patient.birthDate,
    communication: [
      { language: language(patient.preferredLanguage), preferred: true },
      ...(interpreter && interpreter !== patient.preferredLanguage
        ? [{ language: language(interpreter) }]
        : []),
    ],
    generalPractitioner: patient.gpPersonId ? [refs.person(patient.gpPersonId)] : [],
    managingOrganization: patient.treatingOrganisationId
      ? refs.organisation(patient.treatingOrganisationId)
      : undefined,
    contact: chart.relatives
      .filter((r) => r.isNextOfKin)
      .flatMap((r) => {
        const relative = chart.persons.get(r.personId);

        if (!relative) return [];

        // v2-0131's "Other" is not a contact relationship; the next-of-kin code says enough then.
        const relationship =
          r.relationship === 'other' ? [] : [{ coding: [RELATIONSHIP[r.relationship]] }];

        return [{ relationship: [NEXT_OF_KIN, ...relationship], name: humanName(relative) }];
      }),
  });
}

/** A health professional, with their HPR number when we have it. */
export function practitionerResource(person: PersonRecord): Practitioner {
  return prune<Practitioner>({
    resourceType: 'Practitioner',
    id: fhirId(person.id),
    identifier: person.hprNumber ? [{ system: IDENTIFIER.hpr, value: person.hprNumber }] : [],
    active: true,
    name: [humanName(person)],
  });
}

/** An organisation, named with its unit as people see it ("Hjemmesykepleien, Fjellvik kommune"). */
export function organizationResource(organisation: OrganisationRecord): Organization {
  return prune<Organization>({
    resourceType: 'Organization',
    id: fhirId(organisation.id),
    active: true,
    type: [
      { coding: [{ system: SYSTEM.organizationType, ...ORGANISATION_TYPE[organisation.kind] }] },
      ...(organisation.service
        ? [{ coding: [{ system: SYSTEM.organisationService, code: organisation.service }] }]
        : []),
    ],
    name: organisation.unit ? `${organisation.unit}, ${organisation.name}` : organisation.name,
    partOf: organisation.partOf
      ? { reference: `Organization/${fhirId(organisation.partOf)}` }
      : undefined,
  });
}

/** A relative of the patient, as recorded for them or as a member of their care team. */
export function relatedPersonResource(chart: PatientChart, personId: string): RelatedPerson {
  const person = chart.persons.get(personId);
  const recorded = chart.relatives.find((r) => r.personId === personId);

  return prune<RelatedPerson>({
    resourceType: 'RelatedPerson',
    id: fhirId(personId),
    active: true,
    patient: new ChartReferences(chart).patient(),
    relationship: recorded
      ? [
          ...(recorded.isNextOfKin ? [NEXT_OF_KIN] : []),
          { coding: [RELATIONSHIP[recorded.relationship]] },
        ]
      : [],
    name: person ? [humanName(person)] : [],
  });
}

/**
 * The patient's care team, one per patient (its id is the patient's): every member past and
 * present with their role and period, the organisation they act for, and the coordinator marked
 * by the role `coordinator`.
 */
export function careTeamResource(
  chart: PatientChart,
  today = new Date().toISOString().slice(0, 10),
): CareTeam {
  const refs = new ChartReferences(chart);
  const current = chart.careTeam.some((m) => m.periodEnd === null || m.periodEnd >= today);

  return prune<CareTeam>({
    resourceType: 'CareTeam',
    id: fhirId(chart.patient.id),
    status: current ? 'active' : 'inactive',
    subject: refs.patient(),
    participant: chart.careTeam.map((member) => ({
      role: [participantRole(member.role)],
      member: refs.person(member.personId),
      // R4 (ctm-1) lets only a Practitioner act on behalf of an organisation.
      onBehalfOf:
        member.organisationId && refs.isPractitioner(member.personId)
          ? refs.organisation(member.organisationId)
          : undefined,
      period: { start: member.periodStart, end: member.periodEnd ?? undefined },
    })),
    managingOrganization: chart.patient.treatingOrganisationId
      ? [refs.organisation(chart.patient.treatingOrganisationId)]
      : [],
  });
}
