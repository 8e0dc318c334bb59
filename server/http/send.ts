/** Writing a FHIR body: the negotiated media type, `_pretty`, and stored JSON text served as is. */
import type { Resource } from '@medplum/fhirtypes';
import type { Request, Response } from 'express';

export function sendResource(req: Request, res: Response, status: number, resource?: Resource, json?: string): void {
  res.status(status);
  if (resource === undefined && json === undefined) return void res.end();
  const pretty = new URL(req.originalUrl, 'http://x').searchParams.get('_pretty') === 'true';
  const text = pretty ? JSON.stringify(resource ?? JSON.parse(json!), null, 2) : (json ?? JSON.stringify(resource));
  res.setHeader('Content-Type', `${res.locals.mediaType ?? 'application/fhir+json'}; charset=utf-8`);
  res.send(text);
}
