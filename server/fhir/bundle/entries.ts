/** Turning Bundle entries into FhirRequests and FhirResponses into entry responses: https://hl7.org/fhir/R4/http.html#transaction */
import type { BundleEntry, BundleEntryResponse, Resource } from '@medplum/fhirtypes';
import { STATUS_CODES } from 'node:http';
import type { FhirRequest, FhirResponse } from '../context.ts';
import { badRequest } from '../outcomes.ts';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** The request an entry stands for; `index` names the entry in errors. */
export function entryRequest(entry: BundleEntry, index: number): FhirRequest {
  const where = `Bundle.entry[${index}].request`;
  const request = entry.request;
  if (!request?.method || !METHODS.has(request.method) || typeof request.url !== 'string') {
    throw badRequest('Every entry needs request.method (GET, POST, PUT, PATCH, DELETE) and request.url', where);
  }
  const [rawPath, query = ''] = request.url.split('?', 2);
  const path = rawPath.replace(/^\/+/, '').replace(/\/+$/, '');
  if (/^[a-z]+:\/\//i.test(path)) throw badRequest('Entry request.url must be relative to this server', `${where}.url`);
  return {
    method: request.method as FhirRequest['method'],
    path,
    params: [...new URLSearchParams(query)],
    body: request.method === 'PATCH' ? patchBody(entry.resource, index) : entry.resource,
    headers: {
      'if-match': request.ifMatch,
      'if-none-exist': request.ifNoneExist,
      'if-none-match': request.ifNoneMatch,
      'if-modified-since': request.ifModifiedSince,
    },
  };
}

/** In a Bundle a JSON Patch travels as a Binary: https://hl7.org/fhir/R4/http.html#patch */
function patchBody(resource: Resource | undefined, index: number): unknown {
  if (resource?.resourceType !== 'Binary' || !resource.data) {
    throw badRequest('A PATCH entry carries its JSON Patch as a Binary resource with data', `Bundle.entry[${index}].resource`);
  }
  try {
    return JSON.parse(Buffer.from(resource.data, 'base64').toString('utf8'));
  } catch {
    throw badRequest('The Binary of a PATCH entry does not hold JSON', `Bundle.entry[${index}].resource.data`);
  }
}

/** The entry of a transaction-response or batch-response for one interaction's response. */
export function responseEntry(response: FhirResponse): BundleEntry {
  const entryResponse: BundleEntryResponse = { status: `${response.status} ${STATUS_CODES[response.status] ?? ''}`.trim() };
  const headers = response.headers ?? {};
  if (headers.Location) entryResponse.location = headers.Location;
  if (headers.ETag) entryResponse.etag = headers.ETag;
  if (headers['Last-Modified']) entryResponse.lastModified = new Date(headers['Last-Modified']).toISOString();
  const resource = response.resource ?? (response.json ? (JSON.parse(response.json) as Resource) : undefined);
  const entry: BundleEntry = { response: entryResponse };
  if (resource?.resourceType === 'OperationOutcome' && response.status >= 400) entryResponse.outcome = resource;
  else if (resource) entry.resource = resource;
  return entry;
}
