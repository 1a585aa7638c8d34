import type {
  Bundle,
  BundleEntry,
  OperationOutcome,
  OperationOutcomeIssue,
  Resource,
} from '@medplum/fhirtypes';

import type { ErrorCode } from '../protocol/index.ts';
import { SYSTEM } from './codes.ts';
import type { PatientChart } from './model.ts';
import {
  careTeamResource,
  organizationResource,
  patientResource,
  practitionerResource,
  relatedPersonResource,
} from './people.ts';
import { carePlanResource, goalResource, taskResource } from './plan.ts';
import { auditEventResource, consentResource } from './records.ts';
import { relativeIds } from './references.ts';

/** What of a chart the reader may see besides the plan, as the rest of Teamrom decides it. */
export interface ChartView {
  consents: boolean;
  audit: boolean;
}

/**
 * Every resource of a patient's chart that the reader may see, the Patient first, then the care
 * team, the plan with its goals and tasks, consents and audit events, and last the practitioners,
 * relatives and organisations these refer to (and only those, so that nothing is disclosed by
 * being listed).
 */
export function chartResources(chart: PatientChart, view: ChartView): Resource[] {
  const { plan } = chart;
  const record: Resource[] = [
    patientResource(chart),
    careTeamResource(chart),
    ...(plan
      ? [
          carePlanResource(chart, plan),
          ...plan.goals.map((g) => goalResource(chart, g)),
          ...plan.actions.map((a) => taskResource(chart, plan, a)),
        ]
      : []),
    ...(view.consents ? chart.consents.map((c) => consentResource(chart, c)) : []),
    ...(view.audit ? chart.audit.map((e) => auditEventResource(chart, e)) : []),
  ];

  // Every relative is in the patient's compartment, whether or not anything else names them.
  const relatives = [...relativeIds(chart)].map((id) => relatedPersonResource(chart, id));

  return [...record, ...referencedDirectory(chart, [...record, ...relatives])];
}

/** The practitioners, relatives and organisations the resources refer to, and the relatives. */
function referencedDirectory(chart: PatientChart, resources: Resource[]): Resource[] {
  const relatives = relativeIds(chart);
  const found = new Map<string, Resource>(
    resources
      .filter((r) => r.resourceType === 'RelatedPerson')
      .map((r) => [`RelatedPerson/${r.id}`, r]),
  );
  let pending = referencesIn(resources);

  // Organisations refer on to the ones they are part of; follow until nothing new turns up.
  while (pending.length > 0) {
    const added: Resource[] = [];

    for (const reference of pending) {
      if (found.has(reference)) continue;

      const [type, id] = reference.split('/') as [string, string];
      const person = chart.persons.get(id);
      const organisation = chart.organisations.get(id);
      const resource =
        type === 'Practitioner' && person?.kind === 'practitioner'
          ? practitionerResource(person)
          : type === 'RelatedPerson' && relatives.has(id)
            ? relatedPersonResource(chart, id)
            : type === 'Organization' && organisation
              ? organizationResource(organisation)
              : null;

      if (resource) {
        found.set(reference, resource);
        added.push(resource);
      }
    }
    pending = referencesIn(added);
  }

  const order = ['Practitioner', 'RelatedPerson', 'Organization'];

  return [...found.values()].sort(
    (a, b) =>
      order.indexOf(a.resourceType) - order.indexOf(b.resourceType) ||
      (a.id ?? '').localeCompare(b.id ?? ''),
  );
}

/** The relative references (`Type/id`) anywhere inside the resources. */
function referencesIn(values: unknown[]): string[] {
  const references = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (value !== null && typeof value === 'object') {
      for (const [key, v] of Object.entries(value)) {
        if (key === 'reference' && typeof v === 'string' && /^[A-Za-z]+\/[^/]+$/.test(v)) {
          references.add(v);
        } else {
          visit(v);
        }
      }
    }
  };

  values.forEach(visit);

  return [...references];
}

/** One resource of the chart by type and id, if the reader may see it. */
export function findInChart(
  chart: PatientChart,
  view: ChartView,
  type: string,
  id: string,
): Resource | undefined {
  return chartResources(chart, view).find((r) => r.resourceType === type && r.id === id);
}

/**
 * A searchset Bundle. `baseUrl` is the FHIR base (`https://host/fhir`), for the entries' full URLs;
 * `matches` counts the leading resources that matched the search, the rest were included.
 */
export function searchsetBundle(
  resources: Resource[],
  options: { baseUrl: string; selfUrl: string; timestamp: string; matches?: number },
): Bundle {
  const matches = options.matches ?? resources.length;
  const entry: BundleEntry[] = resources.map((resource, i) => ({
    fullUrl: `${options.baseUrl}/${resource.resourceType}/${resource.id}`,
    resource,
    search: { mode: i < matches ? 'match' : 'include' },
  }));

  return {
    resourceType: 'Bundle',
    type: 'searchset',
    timestamp: options.timestamp,
    total: matches,
    link: [{ relation: 'self', url: options.selfUrl }],
    ...(entry.length > 0 ? { entry } : {}),
  };
}

/** OperationOutcome.issue.code for each of our error codes. */
const ISSUE_CODE: Record<ErrorCode, OperationOutcomeIssue['code']> = {
  invalid_request: 'invalid',
  unauthorized: 'login',
  forbidden: 'forbidden',
  not_found: 'not-found',
  not_in_meeting: 'business-rule',
  meeting_full: 'too-costly',
  capacity: 'transient',
  plan_conflict: 'conflict',
  link_not_open_yet: 'business-rule',
  link_closed: 'business-rule',
  meeting_cancelled: 'business-rule',
  link_used_elsewhere: 'forbidden',
  rate_limited: 'throttled',
  media_error: 'exception',
  internal: 'exception',
};

/**
 * An OperationOutcome for an error: R4's issue code, and ours (the one the rest of the API
 * answers with) as the issue's details, so that clients can branch on either.
 */
export function errorOutcome(
  code: ErrorCode,
  message: string,
  expression?: string[],
): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      {
        severity: 'error',
        code: ISSUE_CODE[code],
        details: { coding: [{ system: SYSTEM.error, code }], text: message },
        diagnostics: message,
        ...(expression && expression.length > 0 ? { expression } : {}),
      },
    ],
  };
}

/** An OperationOutcome that reports success, with notes on what was left as it was. */
export function informationOutcome(message: string, warnings: string[] = []): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [
      { severity: 'information', code: 'informational', diagnostics: message },
      ...warnings.map((text): OperationOutcomeIssue => ({
        severity: 'warning',
        code: 'business-rule',
        diagnostics: text,
      })),
    ],
  };
}
