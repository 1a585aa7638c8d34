import type { CarePlan, ConsentScope, ParticipantRole } from '../protocol/index.ts';

/*
 * What the FHIR mapping reads: our rows, as plain records with dates as ISO strings. The repository
 * fills them; the mapping functions turn them into R4 resources without touching the database.
 */

export interface OrganisationRecord {
  id: string;
  name: string;
  kind: 'hospital' | 'municipality' | 'gp_office';
  unit: string | null;
  partOf: string | null;
  service: string | null;
}

export interface PersonRecord {
  id: string;
  kind: 'practitioner' | 'patient' | 'relative';
  displayName: string;
  givenName: string | null;
  familyName: string | null;
  organisationId: string | null;
  hprNumber: string | null;
}

export interface PatientRecord {
  id: string;
  personId: string;
  identifierSystem: string;
  identifierValue: string;
  birthDate: string;
  preferredLanguage: string;
  interpreterLanguage: string | null;
  gpPersonId: string | null;
  treatingOrganisationId: string | null;
}

export const RELATIONSHIPS = [
  'spouse',
  'partner',
  'child',
  'parent',
  'sibling',
  'friend',
  'neighbour',
  'other',
] as const;
export type Relationship = (typeof RELATIONSHIPS)[number];

export interface RelativeRecord {
  personId: string;
  relationship: Relationship;
  isNextOfKin: boolean;
}

export interface CareTeamMemberRecord {
  personId: string;
  role: ParticipantRole;
  organisationId: string | null;
  periodStart: string;
  periodEnd: string | null;
}

export interface ConsentRecord {
  id: string;
  scope: ConsentScope;
  granteeOrganisationId: string | null;
  granteePersonId: string | null;
  givenOn: string;
  recordedBy: string;
  recordedAt: string;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
}

export interface AuditEventRecord {
  id: string;
  occurredAt: string;
  actorId: string | null;
  actorRole: string | null;
  organisationId: string | null;
  patientId: string | null;
  meetingId: string | null;
  action: string;
  outcome: 'success' | 'denied' | 'conflict' | 'error';
}

/**
 * One patient's record as far as Teamrom holds it: the patient, their care team, relatives,
 * consents, care plan and audit trail, with every person and organisation these refer to.
 */
export interface PatientChart {
  patient: PatientRecord;
  /** Every person the chart refers to, by id. */
  persons: ReadonlyMap<string, PersonRecord>;
  /** Every organisation the chart refers to, and the ones they are part of, by id. */
  organisations: ReadonlyMap<string, OrganisationRecord>;
  relatives: RelativeRecord[];
  /** Past and present members, in the order they joined. */
  careTeam: CareTeamMemberRecord[];
  consents: ConsentRecord[];
  plan: CarePlan | null;
  audit: AuditEventRecord[];
}
