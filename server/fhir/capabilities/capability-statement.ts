/**
 * The CapabilityStatement, generated from the interaction table, the operation registry and the search parameter
 * registry — what is really implemented, never a hand-written list. https://hl7.org/fhir/R4/capabilitystatement.html
 */
import type {
  CapabilityStatement,
  CapabilityStatementRestResource,
  CapabilityStatementRestResourceInteraction,
  CapabilityStatementRestResourceOperation,
} from '@medplum/fhirtypes';
import { createRequire } from 'node:module';
import { getSearchParameters } from '../../search/registry.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { resourceTypes } from '../definitions.ts';
import { operations } from '../operations/registry.ts';
import { routes, type Interaction } from '../routes.ts';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

type TypeInteraction = CapabilityStatementRestResourceInteraction['code'];
const TYPE_LEVEL: Interaction[] = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];
const SYSTEM_LEVEL: Interaction[] = ['transaction', 'batch', 'search-system', 'history-system'];

/** Serialized statements by base URL: the statement is large (every type and search parameter) and never changes. */
const cache = new Map<string, string>();

export async function capabilityStatement(_req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  let json = cache.get(ctx.baseUrl);
  if (!json) {
    json = JSON.stringify(buildCapabilityStatement(ctx.baseUrl));
    cache.set(ctx.baseUrl, json);
  }
  return { status: 200, json };
}

export function buildCapabilityStatement(baseUrl: string): CapabilityStatement {
  const implemented = new Set(routes.map((r) => r.interaction));
  // One POST route serves both Bundle types.
  if (implemented.has('transaction')) implemented.add('batch');
  const typeInteractions = TYPE_LEVEL.filter((i) => implemented.has(i)).map((code) => ({ code: code as TypeInteraction }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: new Date().toISOString(),
    kind: 'instance',
    software: { name: 'Vitrine site', version: pkg.version },
    implementation: { description: 'Vitrine site FHIR R4 server', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    patchFormat: ['application/json-patch+json'],
    rest: [
      {
        mode: 'server',
        resource: [...resourceTypes()].map((type) => resourceCapability(type, typeInteractions, implemented)),
        interaction: SYSTEM_LEVEL.filter((i) => implemented.has(i)).map((code) => ({
          code: code as 'transaction' | 'batch' | 'search-system' | 'history-system',
        })),
        operation: operations.filter((op) => !op.resourceTypes).map(operationCapability),
      },
    ],
  };
}

function resourceCapability(
  type: string,
  interaction: CapabilityStatementRestResourceInteraction[],
  implemented: Set<Interaction>,
): CapabilityStatementRestResource {
  return {
    type: type as CapabilityStatementRestResource['type'],
    interaction,
    versioning: 'versioned-update',
    readHistory: implemented.has('vread'),
    updateCreate: implemented.has('update'),
    conditionalCreate: implemented.has('create'),
    conditionalRead: 'full-support',
    conditionalUpdate: implemented.has('conditional-update'),
    conditionalDelete: implemented.has('conditional-delete') ? 'single' : 'not-supported',
    referencePolicy: ['literal', 'local'],
    searchParam: getSearchParameters(type).map((p) => ({
      name: p.code,
      type: p.type as 'string',
      documentation: p.description,
    })),
    operation: operations
      .filter((op) => op.resourceTypes === 'all' || op.resourceTypes?.includes(type))
      .map(operationCapability),
  };
}

function operationCapability(op: { name: string; definition: string }): CapabilityStatementRestResourceOperation {
  return { name: op.name, definition: op.definition };
}
