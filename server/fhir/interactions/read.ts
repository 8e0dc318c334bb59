/** read and vread: https://hl7.org/fhir/R4/http.html#read */
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { parseVersionId } from '../ids.ts';
import { gone, notFound } from '../outcomes.ts';
import { versionHeaders } from '../responses.ts';
import { readSession } from '../sessions.ts';

export async function readResource(req: FhirRequest, ctx: FhirContext, type: string, id: string): Promise<FhirResponse> {
  const version = await readSession(ctx).current(type, id);
  if (!version) throw notFound(`${type}/${id} not found`);
  if (version.deleted) throw gone(`${type}/${id} was deleted`);
  if (notModified(req, version.vid, version.lastUpdated)) return { status: 304, headers: versionHeaders(version) };
  return { status: 200, json: version.json, headers: versionHeaders(version) };
}

export async function readVersion(
  _req: FhirRequest,
  ctx: FhirContext,
  type: string,
  id: string,
  vidText: string,
): Promise<FhirResponse> {
  const vid = parseVersionId(vidText, 'version id');
  const version = await ctx.store.readVersion(type, id, vid);
  if (!version) throw notFound(`${type}/${id}/_history/${vid} not found`);
  if (version.deleted) throw gone(`${type}/${id}/_history/${vid} is a deletion`);
  return { status: 200, json: version.json, headers: versionHeaders(version) };
}

/** Conditional read: https://hl7.org/fhir/R4/http.html#cread */
function notModified(req: FhirRequest, vid: number, lastUpdated: Date): boolean {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch) return ifNoneMatch.replace(/^W\//, '').replace(/"/g, '').trim() === String(vid);
  const ifModifiedSince = req.headers['if-modified-since'];
  if (ifModifiedSince) {
    const since = Date.parse(ifModifiedSince);
    return !Number.isNaN(since) && Math.floor(lastUpdated.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}
