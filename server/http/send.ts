/** Writing a FHIR body: the negotiated media type, `_pretty`, and stored JSON text served as is. */
import type { Resource } from '@medplum/fhirtypes';
import type { Response } from 'express';

/**
 * Writes the response with Node's own API rather than express's res.send: the body is already JSON text, its
 * validators (ETag, Last-Modified) are set by the FHIR layer, and this is the hot path of every read.
 */
export function sendResource(res: Response, status: number, resource?: Resource, json?: string): void {
  res.statusCode = status;
  if (resource === undefined && json === undefined) return void res.end();
  const text = res.locals.pretty ? JSON.stringify(resource ?? JSON.parse(json!), null, 2) : (json ?? JSON.stringify(resource));
  res.setHeader('Content-Type', `${res.locals.mediaType ?? 'application/fhir+json'}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
