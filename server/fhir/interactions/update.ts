/** update and conditional update: https://hl7.org/fhir/R4/http.html#update */
import type { Resource } from '@medplum/fhirtypes';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { newId, parseVersionId } from '../ids.ts';
import { findSingleMatch } from '../matches.ts';
import { badRequest } from '../outcomes.ts';
import { writeResponse } from '../responses.ts';
import { withWriteSession } from '../sessions.ts';
import { requireResourceBody } from './body.ts';

export async function updateResource(req: FhirRequest, ctx: FhirContext, type: string, id: string): Promise<FhirResponse> {
  const resource = requireResourceBody(req, type);
  if (resource.id === undefined) throw badRequest('An update must carry the resource id', `${type}.id`);
  return putResource(req, ctx, type, id, resource);
}

/** PUT [type]?criteria: update the one match, create when none, 412 when several. */
export async function conditionalUpdate(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  const resource = requireResourceBody(req, type);
  const match = await findSingleMatch(ctx, type, req.params);
  if (match && resource.id !== undefined && resource.id !== match.id) {
    throw badRequest(`Resource id "${resource.id}" does not match the resource found (${type}/${match.id})`, `${type}.id`);
  }
  const id = match?.id ?? resource.id ?? newId();
  return putResource(req, ctx, type, id, { ...resource, id } as Resource);
}

async function putResource(req: FhirRequest, ctx: FhirContext, type: string, id: string, resource: Resource): Promise<FhirResponse> {
  const ifMatch = ifMatchVersion(req);
  const staged = await withWriteSession(ctx, (session) => session.update(type, id, resource, ifMatch));
  const status = staged.created ? 201 : 200;
  return writeResponse(req, ctx, status, staged.version, staged.resource!, `${staged.created ? 'Created' : 'Updated'} ${type}/${id}`);
}

export function ifMatchVersion(req: FhirRequest): number | undefined {
  const header = req.headers['if-match'];
  return header ? parseVersionId(header, 'If-Match') : undefined;
}
