/** patch with JSON Patch (RFC 6902), and conditional patch: https://hl7.org/fhir/R4/http.html#patch */
import type { Resource } from '@medplum/fhirtypes';
import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { assertSafeJson } from '../json-guard.ts';
import { findSingleMatch } from '../matches.ts';
import { badRequest, notFound, unprocessable, versionConflict } from '../outcomes.ts';
import { writeResponse } from '../responses.ts';
import { withWriteSession } from '../sessions.ts';
import { ifMatchVersion } from './update.ts';

const { applyPatch, validate } = fastJsonPatch;

export async function patchResource(req: FhirRequest, ctx: FhirContext, type: string, id: string): Promise<FhirResponse> {
  const operations = requirePatchBody(req);
  const ifMatch = ifMatchVersion(req);
  const staged = await withWriteSession(ctx, async (session) => {
    const { version, resource } = await session.readLive(type, id);
    if (ifMatch !== undefined && version.vid !== ifMatch) {
      throw versionConflict(`If-Match version ${ifMatch} does not match current version ${version.vid}`);
    }
    const patched = applyJsonPatch(resource, operations);
    if (patched.resourceType !== type || patched.id !== id) {
      throw unprocessable('A patch may not change resourceType or id', `${type}.id`);
    }
    return session.update(type, id, patched, version.vid);
  });
  return writeResponse(req, ctx, 200, staged.version, staged.resource!, `Patched ${type}/${id}`);
}

export async function conditionalPatch(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  const match = await findSingleMatch(ctx, type, req.params);
  if (!match) throw notFound(`No ${type} matches ${new URLSearchParams(req.params)}`);
  return patchResource(req, ctx, type, match.id);
}

function requirePatchBody(req: FhirRequest): Operation[] {
  if (!Array.isArray(req.body)) throw badRequest('A JSON Patch body is an array of operations (RFC 6902)');
  assertSafeJson(req.body);
  const error = validate(req.body as Operation[]);
  if (error) throw badRequest(`Invalid JSON Patch: ${error.name} at operation ${error.index}: ${error.message.split('\n')[0]}`);
  return req.body as Operation[];
}

function applyJsonPatch(resource: Resource, operations: Operation[]): Resource {
  try {
    // validate=true checks each operation against the document; the original object is not mutated.
    return applyPatch(resource, operations, true, false).newDocument;
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw unprocessable(`JSON Patch failed: ${message}`);
  }
}
