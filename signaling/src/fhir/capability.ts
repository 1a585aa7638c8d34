import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';

import { TEAMROM_BASE } from './codes.ts';

/** What `/fhir/metadata` says this server does: reads, one search, `$everything` and `$import`. */
export function capabilityStatement(
  baseUrl: string,
  readableTypes: readonly string[],
): CapabilityStatement {
  const resources = readableTypes.map((type): CapabilityStatementRestResource => ({
    type: type as CapabilityStatementRestResource['type'],
    interaction: [
      { code: 'read' },
      ...(type === 'Patient' ? [{ code: 'search-type' as const }] : []),
    ],
    ...(type === 'Patient'
      ? {
          searchParam: [
            { name: '_id', type: 'token' as const },
            { name: 'identifier', type: 'token' as const },
          ],
          operation: [
            {
              name: 'everything',
              definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
            },
          ],
        }
      : {}),
    ...(type === 'CarePlan'
      ? {
          operation: [
            {
              name: 'import',
              definition: `${TEAMROM_BASE}/OperationDefinition/CarePlan-import`,
              documentation:
                'Creates or updates the patient’s care plan from a Bundle holding its CarePlan, ' +
                'Goals and Tasks, as $everything gives them.',
            },
          ],
        }
      : {}),
  }));

  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-01',
    kind: 'instance',
    implementation: {
      description: 'Teamrom: the shared care plan of patient-centred care teams',
      url: baseUrl,
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json'],
    rest: [
      {
        mode: 'server',
        security: {
          description:
            'Every request but this one carries `Authorization: Bearer <token>`, the access ' +
            'token Teamrom gives its users.',
        },
        resource: resources,
      },
    ],
  };
}
