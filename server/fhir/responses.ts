/** Building FhirResponses for the interactions: version headers and the `Prefer: return=` choice. */
import type { Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from '../store/types.ts';
import type { FhirContext, FhirRequest, FhirResponse } from './context.ts';
import { etag } from './ids.ts';
import { informational } from './outcomes.ts';

/** ETag and Last-Modified of a version: https://hl7.org/fhir/R4/http.html#versioning */
export function versionHeaders(version: StoredVersion): Record<string, string> {
  return { ETag: etag(version.vid), 'Last-Modified': version.lastUpdated.toUTCString() };
}

export function versionUrl(ctx: FhirContext, version: StoredVersion): string {
  return `${ctx.baseUrl}/${version.type}/${version.id}/_history/${version.vid}`;
}

/** The response of a create/update/patch, shaped by `Prefer: return=minimal|representation|OperationOutcome`. */
export function writeResponse(
  req: FhirRequest,
  ctx: FhirContext,
  status: number,
  version: StoredVersion,
  resource: Resource,
  message: string,
): FhirResponse {
  const headers = { ...versionHeaders(version), Location: versionUrl(ctx, version) };
  switch (preferredReturn(req)) {
    case 'minimal':
      return { status, headers };
    case 'OperationOutcome':
      return { status, headers, resource: informational(message) };
    default:
      return { status, headers, resource };
  }
}

export function preferredReturn(req: FhirRequest): 'minimal' | 'representation' | 'OperationOutcome' {
  const m = /(?:^|[;,\s])return\s*=\s*"?(minimal|representation|OperationOutcome)"?/.exec(req.headers.prefer ?? '');
  return (m?.[1] as 'minimal' | 'representation' | 'OperationOutcome' | undefined) ?? 'representation';
}

/** `Prefer: handling=strict` makes unknown search parameters an error: https://hl7.org/fhir/R4/search.html#errors */
export function strictHandling(req: FhirRequest): boolean {
  return /(?:^|[;,\s])handling\s*=\s*"?strict"?/.test(req.headers.prefer ?? '');
}
