import type { AuditEvent, Coding, Consent } from '@medplum/fhirtypes';

import type { ConsentScope } from '../protocol/index.ts';
import { SYSTEM } from './codes.ts';
import type { AuditEventRecord, ConsentRecord, PatientChart } from './model.ts';
import { participantRole } from './people.ts';
import { ChartReferences, fhirId, prune } from './references.ts';

/** Our consents in R4's terms, with the Norwegian law each rests on as its policy. */
const CONSENT: Record<ConsentScope, { scope: Coding; display: string; policy: string }> = {
  // Pasient- og brukerrettighetsloven § 2-5: the right to an individual plan.
  individual_plan: {
    scope: { system: SYSTEM.consentScope, code: 'treatment', display: 'Treatment' },
    display: 'Samtykke til individuell plan',
    policy: 'https://lovdata.no/lov/1999-07-02-63/%C2%A72-5',
  },
  // Helsepersonelloven § 22: consent lifts the duty of confidentiality towards the grantee.
  share_care_plan: {
    scope: { system: SYSTEM.consentScope, code: 'patient-privacy', display: 'Privacy Consent' },
    display: 'Samtykke til å dele planen',
    policy: 'https://lovdata.no/lov/1999-07-02-64/%C2%A722',
  },
};

/**
 * A consent as the patient gave it: active until withdrawn, then inactive with the withdrawal as
 * the end of its period. A consent to share names its grantee as the information recipient.
 */
export function consentResource(chart: PatientChart, consent: ConsentRecord): Consent {
  const refs = new ChartReferences(chart);
  const terms = CONSENT[consent.scope];
  const grantee =
    consent.granteeOrganisationId !== null
      ? refs.organisation(consent.granteeOrganisationId)
      : consent.granteePersonId !== null
        ? refs.person(consent.granteePersonId)
        : null;

  return prune<Consent>({
    resourceType: 'Consent',
    id: fhirId(consent.id),
    status: consent.withdrawnAt === null ? 'active' : 'inactive',
    scope: { coding: [terms.scope] },
    category: [
      {
        coding: [
          { system: SYSTEM.loinc, code: '59284-0', display: 'Patient Consent' },
          { system: SYSTEM.teamromConsentScope, code: consent.scope, display: terms.display },
        ],
      },
    ],
    patient: refs.patient(),
    dateTime: consent.recordedAt,
    performer: [refs.patient()],
    policy: [{ uri: terms.policy }],
    provision: {
      type: 'permit',
      period: { start: consent.givenOn, end: consent.withdrawnAt ?? undefined },
      actor: grantee
        ? [
            {
              role: {
                coding: [
                  {
                    system: SYSTEM.participationType,
                    code: 'IRCP',
                    display: 'information recipient',
                  },
                ],
              },
              reference: grantee,
            },
          ]
        : [],
    },
  });
}

/** R4's AuditEvent.action: what kind of thing was done. Our actions end in their verb. */
function auditAction(action: string): 'C' | 'R' | 'U' | 'D' | 'E' {
  const verb = action.slice(action.lastIndexOf('.') + 1);

  switch (verb) {
    case 'read':
    case 'history':
    case 'export':
      return 'R';
    case 'write':
    case 'grant':
    case 'withdraw':
    case 'import':
      return 'U';
    default:
      return 'E';
  }
}

/** For our FHIR actions, the REST interaction as well. */
const REST_INTERACTION: Record<string, string> = {
  'fhir.read': 'read',
  'fhir.export': 'operation',
  'fhir.import': 'operation',
};

const OUTCOME: Record<AuditEventRecord['outcome'], { code: '0' | '4' | '8'; text: string }> = {
  success: { code: '0', text: 'success' },
  denied: { code: '4', text: 'denied' },
  conflict: { code: '4', text: 'conflict' },
  error: { code: '8', text: 'error' },
};

/**
 * One entry of the audit trail: who (the person, in their role, and the organisation they acted
 * for), did what to which patient's record, when, and with what outcome. Like the trail itself it
 * holds no care-plan text.
 */
export function auditEventResource(chart: PatientChart, event: AuditEventRecord): AuditEvent {
  const refs = new ChartReferences(chart);
  const rest = REST_INTERACTION[event.action];

  return prune<AuditEvent>({
    resourceType: 'AuditEvent',
    id: fhirId(event.id),
    type: { system: SYSTEM.dicom, code: '110110', display: 'Patient Record' },
    subtype: [
      { system: SYSTEM.auditAction, code: event.action },
      ...(rest ? [{ system: SYSTEM.restfulInteraction, code: rest, display: rest }] : []),
    ],
    action: auditAction(event.action),
    recorded: event.occurredAt,
    outcome: OUTCOME[event.outcome].code,
    outcomeDesc: OUTCOME[event.outcome].text,
    agent: [
      {
        role: event.actorRole ? [participantRole(event.actorRole)] : [],
        who: event.actorId ? refs.person(event.actorId) : undefined,
        requestor: true,
      },
      ...(event.organisationId
        ? [{ who: refs.organisation(event.organisationId), requestor: false }]
        : []),
    ],
    source: {
      site: 'Teamrom',
      observer: { display: 'Teamrom' },
      type: [{ system: SYSTEM.auditSourceType, code: '4', display: 'Application Server' }],
    },
    entity: event.patientId
      ? [
          {
            what: refs.patient(),
            type: { system: SYSTEM.auditEntityType, code: '1', display: 'Person' },
            role: { system: SYSTEM.objectRole, code: '1', display: 'Patient' },
          },
        ]
      : [],
  });
}
