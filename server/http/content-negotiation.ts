/**
 * Content negotiation: JSON only (application/fhir+json or application/json), chosen by `_format` or Accept;
 * request bodies must say they are JSON. https://hl7.org/fhir/R4/http.html#mime-type
 */
import type { Request, Response } from 'express';
import { notAcceptable, unsupportedMediaType } from '../fhir/outcomes.ts';

export const FHIR_JSON = 'application/fhir+json';
const FORMAT_ALIASES: Record<string, string> = {
  json: FHIR_JSON,
  'application/json': 'application/json',
  'application/fhir+json': FHIR_JSON,
  'application/json+fhir': FHIR_JSON,
};

/** Bulk ndjson bodies (https://hl7.org/fhir/uv/bulkdata/), which only `$ingest` takes. */
export const NDJSON_TYPES = ['application/fhir+ndjson', 'application/ndjson', 'application/x-ndjson'];
const BODY_TYPES = ['application/fhir+json', 'application/json', 'application/json-patch+json', 'application/x-www-form-urlencoded', ...NDJSON_TYPES];

/**
 * Decides the response media type (res.locals.mediaType) and `_pretty` (res.locals.pretty), and refuses what we
 * cannot produce (406).
 */
export function negotiateResponseType(req: Request, res: Response): void {
  res.locals.mediaType = FHIR_JSON;
  const query = req.originalUrl.indexOf('?');
  const params = query < 0 ? undefined : new URLSearchParams(req.originalUrl.slice(query + 1));
  res.locals.pretty = params?.get('_pretty') === 'true';
  const format = params?.get('_format') ?? null;
  if (format !== null) {
    const mediaType = FORMAT_ALIASES[format.trim().toLowerCase()];
    if (!mediaType) throw notAcceptable(format);
    res.locals.mediaType = mediaType;
    return;
  }
  const accept = req.headers.accept;
  if (!accept) return;
  const wanted = accept.split(',').map((part) => part.split(';')[0].trim().toLowerCase());
  if (wanted.includes(FHIR_JSON) || wanted.includes('application/json+fhir')) return;
  if (wanted.includes('application/json')) res.locals.mediaType = 'application/json';
  else if (!wanted.some((w) => w === '*/*' || w === 'application/*')) throw notAcceptable(accept);
}

/** A request with a body must declare a JSON content type (or a form for _search): 415 otherwise. */
export function requireJsonBody(req: Request): void {
  const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody || !['POST', 'PUT', 'PATCH'].includes(req.method)) return;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (!BODY_TYPES.includes(type)) throw unsupportedMediaType(type || '(none)');
}
