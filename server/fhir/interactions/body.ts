/** The resource in a request body, checked before anything else looks at it. */
import type { Resource } from '@medplum/fhirtypes';
import type { FhirRequest } from '../context.ts';
import { isResourceType } from '../definitions.ts';
import { assertSafeJson } from '../json-guard.ts';
import { badRequest, unknownType } from '../outcomes.ts';

export function requireResourceBody(req: FhirRequest, expectedType?: string): Resource {
  const body = req.body;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request body must be a FHIR resource (a JSON object)');
  }
  assertSafeJson(body);
  const type = (body as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string') throw badRequest('Missing resourceType', 'resourceType');
  if (!isResourceType(type)) throw unknownType(type);
  if (expectedType && type !== expectedType) {
    throw badRequest(`resourceType "${type}" does not match the URL type "${expectedType}"`, 'resourceType');
  }
  return body as Resource;
}
