/** The hub's CapabilityStatement: what the hub really offers, generated from its route table. */
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { FhirResponse } from '../fhir/context.ts';
import { resourceTypes } from '../fhir/definitions.ts';
import { operations } from '../fhir/operations/registry.ts';
import type { HubContext } from './hub-context.ts';
import { hubRoutes } from './hub-routes.ts';

/** The hub offers the sites' operations: their canonical definitions come from the site's operation registry. */
function operationCapability(name: string): { name: string; definition: string } {
  return { name, definition: operations.find((op) => op.name === name)?.definition ?? `https://vitrine.dev/fhir/OperationDefinition/${name}` };
}

export function hubCapabilityStatement(hub: HubContext): FhirResponse {
  const counts = hubRoutes.some((r) => r.path.join('/') === '{type}');
  const operationRoutes = hubRoutes.filter((r) => r.path.some((s) => s.startsWith('$')));
  const statement: CapabilityStatement = {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Vitrine hub' },
    implementation: {
      description: `Vitrine hub over ${hub.sites.length} sites: aggregate operations only (counts with _summary=count, $-operations). Row-level access is refused.`,
      url: hub.baseUrl,
    },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    rest: [
      {
        mode: 'server',
        documentation: 'Searches are answered with _summary=count only, merged over the sites. `_site=name` restricts a request to some sites.',
        resource: [...resourceTypes()].map((type) => ({
          type: type as 'Patient',
          interaction: counts ? [{ code: 'search-type' as const, documentation: '_summary=count only' }] : [],
          // One entry per operation, though it is served by GET and POST routes.
          operation: [...new Set(operationRoutes.filter((r) => r.path[0] === type || r.path[0] === '{type}').map((r) => r.path[r.path.length - 1].slice(1)))].map(operationCapability),
        })),
      },
    ],
  };
  return { status: 200, resource: statement };
}
