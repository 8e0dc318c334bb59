/** delete and conditional delete: https://hl7.org/fhir/R4/http.html#delete */
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { findSingleMatch } from '../matches.ts';
import { informational } from '../outcomes.ts';
import { withWriteSession } from '../sessions.ts';
import { ifMatchVersion } from './update.ts';

export async function deleteResource(req: FhirRequest, ctx: FhirContext, type: string, id: string): Promise<FhirResponse> {
  const ifMatch = ifMatchVersion(req);
  const staged = await withWriteSession(ctx, (session) => session.delete(type, id, ifMatch));
  const message = staged ? `Deleted ${type}/${id}` : `${type}/${id} did not exist or was already deleted`;
  const headers: Record<string, string> = staged ? { ETag: `W/"${staged.version.vid}"` } : {};
  return { status: 200, headers, resource: informational(message) };
}

/** DELETE [type]?criteria deletes the single match; no match is not an error. */
export async function conditionalDelete(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  const match = await findSingleMatch(ctx, type, req.params);
  if (!match) return { status: 200, resource: informational(`No ${type} matched; nothing deleted`) };
  return deleteResource(req, ctx, type, match.id);
}
