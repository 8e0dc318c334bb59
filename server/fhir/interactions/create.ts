/** create and conditional create: https://hl7.org/fhir/R4/http.html#create */
import type { Resource } from '@medplum/fhirtypes';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { findSingleMatch, queryPairs } from '../matches.ts';
import { versionHeaders, versionUrl, writeResponse } from '../responses.ts';
import { withWriteSession } from '../sessions.ts';
import { requireResourceBody } from './body.ts';

export async function createResource(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  const resource = requireResourceBody(req, type);
  const ifNoneExist = req.headers['if-none-exist'];
  if (ifNoneExist) {
    const existing = await findSingleMatch(ctx, type, queryPairs(ifNoneExist));
    if (existing) {
      // The spec's answer to a match is 200 OK and nothing created.
      const response = writeResponse(req, ctx, 200, existing, JSON.parse(existing.json) as Resource, 'Resource exists');
      return { ...response, headers: { ...versionHeaders(existing), Location: versionUrl(ctx, existing) } };
    }
  }
  // The spec says a client-supplied id on create is ignored: the server assigns one.
  const staged = await withWriteSession(ctx, (session) => session.create(resource, req.assignedId));
  return writeResponse(req, ctx, 201, staged.version, staged.resource!, `Created ${type}/${staged.version.id}`);
}
