import { firstSyntheticFodselsnummer } from '../demo/syntheticIds.ts';
import type { OrganisationRecord, PatientChart, PersonRecord } from '../fhir/model.ts';
import type { CarePlan } from '../protocol/index.ts';
import { emptyPlan } from '../protocol/index.ts';

/*
 * An invented patient's chart that uses every part of the mapping: an interpreter, relatives of
 * each kind, a team member who left, consents given and withdrawn, a plan with every section,
 * goals with evaluations, actions in every status and owned by every kind of party, notes and
 * decisions, and audit entries of every outcome, one of them by someone outside the care.
 */

export const IDS = {
  goalWalk: '3f1c2a8e-0b5d-4c1e-9a7f-1d2e3f4a5b6c',
  goalSleep: '7a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d',
  actionHome: 'c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f',
  actionGp: 'd2e3f4a5-b6c7-4d8e-9f0a-1b2c3d4e5f6a',
  actionSelf: 'e3f4a5b6-c7d8-4e9f-8a1b-2c3d4e5f6a7b',
  actionDaughter: 'f4a5b6c7-d8e9-4f0a-9b2c-3d4e5f6a7b8c',
  evaluation: '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d',
  note: '1b2c3d4e-5f6a-4b7c-8d8e-9f0a1b2c3d4e',
  decision: '2c3d4e5f-6a7b-4c8d-9e9f-0a1b2c3d4e5f',
} as const;

const organisations: OrganisationRecord[] = [
  {
    id: 'org-hospital',
    name: 'Testsykehuset',
    kind: 'hospital',
    unit: 'Lungeavdelingen',
    partOf: null,
    service: 'hospital_department',
  },
  {
    id: 'org-town',
    name: 'Testvik kommune',
    kind: 'municipality',
    unit: null,
    partOf: null,
    service: null,
  },
  {
    id: 'org-homecare',
    name: 'Testvik kommune',
    kind: 'municipality',
    unit: 'Hjemmetjenesten',
    partOf: 'org-town',
    service: 'home_care',
  },
  {
    id: 'org-gp',
    name: 'Testvik legesenter',
    kind: 'gp_office',
    unit: null,
    partOf: null,
    service: 'gp_office',
  },
];

const person = (
  id: string,
  kind: PersonRecord['kind'],
  givenName: string | null,
  familyName: string | null,
  extra: Partial<PersonRecord> = {},
): PersonRecord => ({
  id,
  kind,
  displayName: [givenName, familyName].filter(Boolean).join(' ') || 'Uten navn',
  givenName,
  familyName,
  organisationId: null,
  hprNumber: null,
  ...extra,
});

const persons: PersonRecord[] = [
  person('person-pasient', 'patient', 'Testa', 'Pasientsen'),
  person('person-koord', 'practitioner', 'Kora', 'Koordinatorsen', {
    organisationId: 'org-homecare',
    hprNumber: '9911001',
  }),
  person('person-lege', 'practitioner', 'Lars', 'Legesen', {
    organisationId: 'org-hospital',
    hprNumber: '9911002',
  }),
  person('person-fastlege', 'practitioner', 'Frida', 'Fastlegesen', {
    organisationId: 'org-gp',
    hprNumber: '9911003',
  }),
  // Has left the team; has no HPR number on record.
  person('person-vikar', 'practitioner', 'Vera', null, { organisationId: 'org-hospital' }),
  person('person-datter', 'relative', 'Dina', 'Pasientsen'),
  person('person-nabo', 'relative', 'Nils', 'Nabosen'),
  person('person-ektefelle', 'relative', 'Egil', 'Pasientsen'),
  person('person-tolk', 'practitioner', 'Tora', 'Tolkesen'),
  // Someone who tried to read the plan and was refused: another patient.
  person('person-fremmed', 'patient', 'Fredrik', 'Fremmedsen'),
];

export function syntheticPlan(): CarePlan {
  const base = emptyPlan('plan-test', 'patient-test', '2026-10-01T08:00:00.000Z');

  return {
    ...base,
    version: 17,
    updatedAt: '2026-11-20T10:15:00.000Z',
    status: 'active',
    isIndividualPlan: true,
    periodStart: '2026-10-01',
    periodEnd: '2027-09-30',
    nextReview: '2027-01-15',
    sections: {
      whatMatters: 'Å sove hele natten og gå tur med hunden.',
      resourcesAndNeeds: 'Bor alene i leilighet; trenger hjelp med innkjøp.',
      participants: 'Pasienten, datteren, hjemmetjenesten, fastlegen og lungeavdelingen.',
      contributions: 'Hjemmetjenesten kommer morgen og kveld.',
      implementation: 'Tiltakene skjer hjemme.',
      cooperation: 'Fastlegen og hjemmetjenesten snakkes hver uke.',
      crisisWarningSigns: 'Feber og mer tungpust.',
      crisisWhatToDo: 'Ta anfallsmedisin; ring hjemmetjenesten.',
      crisisContacts: 'Hjemmetjenesten; legevakten om natten.',
      crisisHowToMeet: 'Snakk rolig, én om gangen.',
    },
    goals: [
      {
        id: IDS.goalWalk,
        description: 'Gå tur med hunden hver dag',
        priority: 'high',
        targetDate: '2027-03-01',
        lifecycleStatus: 'active',
        achievementStatus: 'improving',
        evaluations: [
          {
            id: IDS.evaluation,
            date: '2026-11-15',
            text: 'Går nå til postkassen og tilbake.',
            achievementStatus: 'improving',
            authorId: 'person-koord',
            recordedAt: '2026-11-15T09:00:00.000Z',
          },
        ],
      },
      {
        id: IDS.goalSleep,
        description: 'Sove hele natten',
        priority: 'low',
        targetDate: null,
        lifecycleStatus: 'on-hold',
        achievementStatus: null,
        evaluations: [],
      },
    ],
    actions: [
      {
        id: IDS.actionHome,
        description: 'Morgenbesøk med hjelp til medisiner',
        responsible: { kind: 'organisation', id: 'org-homecare' },
        status: 'in_progress',
        goalId: IDS.goalWalk,
        dueDate: '2026-12-31',
        createdAt: '2026-10-02T08:00:00.000Z',
      },
      {
        id: IDS.actionGp,
        description: 'Gjennomgå medisinlisten',
        responsible: { kind: 'person', id: 'person-fastlege' },
        status: 'done',
        goalId: null,
        dueDate: null,
        createdAt: '2026-10-03T08:00:00.000Z',
      },
      {
        id: IDS.actionSelf,
        description: 'Føre dagbok over søvn',
        responsible: { kind: 'person', id: 'person-pasient' },
        status: 'open',
        goalId: IDS.goalSleep,
        dueDate: '2026-12-01',
        createdAt: '2026-10-04T08:00:00.000Z',
      },
      {
        id: IDS.actionDaughter,
        description: 'Handle inn på lørdager',
        responsible: { kind: 'person', id: 'person-datter' },
        status: 'cancelled',
        goalId: null,
        dueDate: null,
        createdAt: '2026-10-05T08:00:00.000Z',
      },
    ],
    notes: [
      {
        id: IDS.note,
        kind: 'note',
        text: 'Pasienten ønsker møter på formiddagen.',
        meetingId: 'meeting-test',
        authorId: 'person-pasient',
        recordedAt: '2026-10-10T10:00:00.000Z',
      },
      {
        id: IDS.decision,
        kind: 'decision',
        text: 'Vi prøver dagbok i fire uker.',
        meetingId: null,
        authorId: 'person-lege',
        recordedAt: '2026-10-10T10:30:00.000Z',
      },
    ],
    changed: { status: 3, [`goals.${IDS.goalWalk}.achievementStatus`]: 12 },
  };
}

export function syntheticChart(): PatientChart {
  return {
    patient: {
      id: 'patient-test',
      personId: 'person-pasient',
      identifierSystem: 'urn:oid:2.16.578.1.12.4.1.4.1',
      identifierValue: firstSyntheticFodselsnummer('1950-06-07'),
      birthDate: '1950-06-07',
      preferredLanguage: 'nb',
      interpreterLanguage: 'se',
      gpPersonId: 'person-fastlege',
      treatingOrganisationId: 'org-hospital',
    },
    persons: new Map(persons.map((p) => [p.id, p])),
    organisations: new Map(organisations.map((o) => [o.id, o])),
    relatives: [
      { personId: 'person-datter', relationship: 'child', isNextOfKin: true },
      { personId: 'person-ektefelle', relationship: 'spouse', isNextOfKin: true },
      { personId: 'person-nabo', relationship: 'neighbour', isNextOfKin: false },
    ],
    careTeam: [
      {
        personId: 'person-vikar',
        role: 'physician',
        organisationId: 'org-hospital',
        periodStart: '2026-09-01',
        periodEnd: '2026-09-30',
      },
      {
        personId: 'person-koord',
        role: 'coordinator',
        organisationId: 'org-homecare',
        periodStart: '2026-10-01',
        periodEnd: null,
      },
      {
        personId: 'person-lege',
        role: 'physician',
        organisationId: 'org-hospital',
        periodStart: '2026-10-01',
        periodEnd: null,
      },
      {
        personId: 'person-fastlege',
        role: 'gp',
        organisationId: 'org-gp',
        periodStart: '2026-10-01',
        periodEnd: null,
      },
      {
        personId: 'person-datter',
        role: 'relative',
        organisationId: null,
        periodStart: '2026-10-01',
        periodEnd: null,
      },
      {
        personId: 'person-tolk',
        role: 'interpreter',
        organisationId: null,
        periodStart: '2026-10-01',
        periodEnd: null,
      },
    ],
    consents: [
      {
        id: 'consent-plan',
        scope: 'individual_plan',
        granteeOrganisationId: null,
        granteePersonId: null,
        givenOn: '2026-10-01',
        recordedBy: 'person-koord',
        recordedAt: '2026-10-01T09:00:00.000Z',
        withdrawnAt: null,
        withdrawnBy: null,
      },
      {
        id: 'consent-town',
        scope: 'share_care_plan',
        granteeOrganisationId: 'org-town',
        granteePersonId: null,
        givenOn: '2026-10-01',
        recordedBy: 'person-lege',
        recordedAt: '2026-10-01T09:05:00.000Z',
        withdrawnAt: null,
        withdrawnBy: null,
      },
      {
        id: 'consent-daughter',
        scope: 'share_care_plan',
        granteeOrganisationId: null,
        granteePersonId: 'person-datter',
        givenOn: '2026-10-01',
        recordedBy: 'person-pasient',
        recordedAt: '2026-10-01T09:10:00.000Z',
        withdrawnAt: null,
        withdrawnBy: null,
      },
      {
        id: 'consent-gp-old',
        scope: 'share_care_plan',
        granteeOrganisationId: 'org-gp',
        granteePersonId: null,
        givenOn: '2026-09-01',
        recordedBy: 'person-lege',
        recordedAt: '2026-09-01T09:00:00.000Z',
        withdrawnAt: '2026-09-20T12:00:00.000Z',
        withdrawnBy: 'person-pasient',
      },
    ],
    plan: syntheticPlan(),
    audit: [
      ...(
        [
          ['careplan.read', 'success'],
          ['careplan.write', 'conflict'],
          ['careplan.history', 'success'],
          ['consent.grant', 'success'],
          ['consent.withdraw', 'success'],
          ['consent.read', 'success'],
          ['audit.read', 'success'],
          ['fhir.read', 'success'],
          ['fhir.export', 'success'],
          ['fhir.import', 'error'],
          ['meeting.join', 'success'],
          ['meeting.leave', 'success'],
        ] as const
      ).map(([action, outcome], i) => ({
        id: String(i + 1),
        occurredAt: `2026-11-0${1 + (i % 9)}T12:00:00.000Z`,
        actorId: 'person-koord',
        actorRole: 'coordinator',
        organisationId: 'org-homecare',
        patientId: 'patient-test',
        meetingId: action.startsWith('meeting') ? 'meeting-test' : null,
        action,
        outcome,
      })),
      {
        id: '13',
        occurredAt: '2026-11-10T12:00:00.000Z',
        actorId: 'person-fremmed',
        actorRole: null,
        organisationId: null,
        patientId: 'patient-test',
        meetingId: null,
        action: 'careplan.read',
        outcome: 'denied',
      },
      {
        id: '14',
        occurredAt: '2026-11-11T12:00:00.000Z',
        actorId: null,
        actorRole: null,
        organisationId: null,
        patientId: 'patient-test',
        meetingId: null,
        action: 'careplan.read',
        outcome: 'error',
      },
    ],
  };
}
