import type {
  ActionStatus,
  GoalPriority,
  NoteKind,
  PlanSection,
  PlanStatus,
} from '../protocol/index.ts';

/*
 * The code systems, identifier systems and extension URLs Teamrom's FHIR R4 resources use, and the
 * maps between our codes and FHIR's. Where R4 or HL7 terminology has a code for a concept we use it;
 * what only Teamrom has lives under TEAMROM_BASE, so that a reader can tell the two apart.
 */

/** The root of the URLs Teamrom defines. Not resolvable: it names, it does not serve. */
export const TEAMROM_BASE = 'https://teamrom.example/fhir';

/** Identifier systems of the Norwegian FHIR base profiles (no-basis). */
export const IDENTIFIER = {
  /** Fødselsnummer: the national identity number. */
  fnr: 'urn:oid:2.16.578.1.12.4.1.4.1',
  /** D-nummer: the identity number of people without a fødselsnummer. */
  dnr: 'urn:oid:2.16.578.1.12.4.1.4.2',
  /** Helsepersonellregisteret (HPR): the number of an authorised health professional. */
  hpr: 'urn:oid:2.16.578.1.12.4.1.4.4',
  /** Our own person ids, for people a resource can name but not link to (see auditEvent). */
  teamromPerson: `${TEAMROM_BASE}/NamingSystem/person-id`,
} as const;

export const SYSTEM = {
  goalAchievement: 'http://terminology.hl7.org/CodeSystem/goal-achievement',
  goalPriority: 'http://terminology.hl7.org/CodeSystem/goal-priority',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  contactRelationship: 'http://terminology.hl7.org/CodeSystem/v2-0131',
  roleCode: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode',
  participationType: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  consentScope: 'http://terminology.hl7.org/CodeSystem/consentscope',
  loinc: 'http://loinc.org',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  restfulInteraction: 'http://hl7.org/fhir/restful-interaction',
  auditSourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  auditEntityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  language: 'urn:ietf:bcp:47',
  /** A person's role in a patient's care: `coordinator` marks the patient's coordinator. */
  participantRole: `${TEAMROM_BASE}/CodeSystem/participant-role`,
  /** `individual-plan` marks a care plan as the statutory individual plan (individuell plan). */
  carePlanCategory: `${TEAMROM_BASE}/CodeSystem/careplan-category`,
  /** The part of the plan a section extension holds: `whatMatters`, `crisisWarningSigns`, ... */
  carePlanSection: `${TEAMROM_BASE}/CodeSystem/careplan-section`,
  /** A plan note's kind: `note` or `decision`. */
  noteKind: `${TEAMROM_BASE}/CodeSystem/careplan-note-kind`,
  /** What a consent agrees to: `individual_plan` or `share_care_plan`. */
  teamromConsentScope: `${TEAMROM_BASE}/CodeSystem/consent-scope`,
  /** The action an audit entry records: `careplan.read`, `fhir.export`, ... */
  auditAction: `${TEAMROM_BASE}/CodeSystem/audit-action`,
  /** The kind of an organisation's service: `home_care`, `coordination_unit`, ... */
  organisationService: `${TEAMROM_BASE}/CodeSystem/organisation-service`,
  /** Our error codes (`invalid_request`, `forbidden`, ...), in OperationOutcome.issue.details. */
  error: `${TEAMROM_BASE}/CodeSystem/error`,
} as const;

export const EXTENSION = {
  /**
   * On CarePlan, one per non-empty section: sub-extensions `section` (valueCoding from
   * SYSTEM.carePlanSection) and `text` (valueString).
   */
  section: `${TEAMROM_BASE}/StructureDefinition/careplan-section`,
  /** On CarePlan: when the plan is next reviewed (valueDate). */
  nextReview: `${TEAMROM_BASE}/StructureDefinition/careplan-next-review`,
  /** On a CarePlan.note: `note` or `decision` (valueCoding from SYSTEM.noteKind). */
  noteKind: `${TEAMROM_BASE}/StructureDefinition/careplan-note-kind`,
  /** On a CarePlan.note: the meeting it was written in (valueString, our meeting id). */
  noteMeeting: `${TEAMROM_BASE}/StructureDefinition/careplan-note-meeting`,
  /** On a Goal.note that is an evaluation: the day evaluated (valueDate). */
  evaluationDate: `${TEAMROM_BASE}/StructureDefinition/goal-evaluation-date`,
  /** On a Goal.note that is an evaluation: the achievement judged then (valueCoding). */
  evaluationAchievement: `${TEAMROM_BASE}/StructureDefinition/goal-evaluation-achievement`,
  /** On Patient: an interpreter is needed (valueBoolean). Defined by HL7 for R4. */
  interpreterRequired: 'http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired',
} as const;

/** The category coding that marks the statutory individual plan. */
export const INDIVIDUAL_PLAN_CATEGORY = {
  system: SYSTEM.carePlanCategory,
  code: 'individual-plan',
  display: 'Individuell plan',
} as const;

/** Our plan statuses are a subset of R4's CarePlan.status (request-status). */
export const CARE_PLAN_STATUS = {
  draft: 'draft',
  active: 'active',
  completed: 'completed',
} as const satisfies Record<PlanStatus, string>;

export const TASK_STATUS = {
  open: 'requested',
  in_progress: 'in-progress',
  done: 'completed',
  cancelled: 'cancelled',
} as const satisfies Record<ActionStatus, string>;

export const GOAL_PRIORITY = {
  high: { code: 'high-priority', display: 'High Priority' },
  medium: { code: 'medium-priority', display: 'Medium Priority' },
  low: { code: 'low-priority', display: 'Low Priority' },
} as const satisfies Record<GoalPriority, { code: string; display: string }>;

export const NOTE_KIND_DISPLAY = {
  note: 'Notat',
  decision: 'Beslutning',
} as const satisfies Record<NoteKind, string>;

export const SECTION_DISPLAY = {
  whatMatters: 'Hva er viktig for deg?',
  resourcesAndNeeds: 'Ressurser og behov',
  participants: 'Deltakere',
  contributions: 'Bidrag',
  implementation: 'Gjennomføring',
  cooperation: 'Samarbeid',
  crisisWarningSigns: 'Kriseplan: varselsignaler',
  crisisWhatToDo: 'Kriseplan: hva gjør jeg',
  crisisContacts: 'Kriseplan: hvem kontakter jeg',
  crisisHowToMeet: 'Kriseplan: slik møter dere meg',
} as const satisfies Record<PlanSection, string>;

/** The inverse of a code map: FHIR code to ours, or undefined for a code we do not take. */
export function fromFhirCode<K extends string>(
  map: Record<K, string | { code: string }>,
  code: string | undefined,
): K | undefined {
  return (Object.keys(map) as K[]).find((key) => {
    const value = map[key];

    return (typeof value === 'string' ? value : value.code) === code;
  });
}
