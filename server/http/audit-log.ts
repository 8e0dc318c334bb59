/**
 * Every request to /fhir and /auth (read, search, write, aggregate, refused) leaves an AuditEvent in the audit
 * trail once it is answered. https://profiles.ihe.net/ITI/BALP/content.html
 */
import type { NextFunction, Request, Response } from 'express';
import type { AccessRecord } from '../audit/balp-audit-event.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import type { Caller } from '../fhir/context.ts';
import { toOperationOutcomeError } from '../fhir/outcomes.ts';
import { matchRoute } from '../fhir/routes.ts';

export function auditRequests(trail: AuditTrail, classify: ClassifyRequest = classifySiteRequest) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!req.path.startsWith('/fhir') && !req.path.startsWith('/auth')) return next();
    const at = new Date();
    res.on('finish', () => trail.record(accessRecord(req, res, at, classify)));
    next();
  };
}

/** What a FHIR request was, by the serving process's own route table (a site's, or the hub's). */
export type ClassifyRequest = (method: string, fhirPath: string) => { interaction: string; type?: string; id?: string; compartmentType?: string };

function classifySiteRequest(method: string, fhirPath: string): ReturnType<ClassifyRequest> {
  const { route, params } = matchRoute(method, fhirPath);
  return { interaction: route.interaction, ...params };
}

/** Keeps the reason of a failure for the audit record, then lets the error handler answer. */
export function noteFailureForAudit(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  res.locals.auditReason ??= toOperationOutcomeError(err).message;
  next(err);
}

function accessRecord(req: Request, res: Response, at: Date, classify: ClassifyRequest): AccessRecord {
  const caller = (res.locals.caller ?? res.locals.auditCaller) as Caller | undefined;
  const [path, query] = splitUrl(req.originalUrl);
  const record: AccessRecord = {
    interaction: 'unknown', method: req.method, url: req.originalUrl, status: res.statusCode, reason: res.locals.auditReason as string | undefined,
    clientId: caller?.clientId, onBehalfOf: caller?.onBehalfOf, purposeOfUse: caller?.purposeOfUse, role: caller?.role, patient: caller?.patient, clientAddress: req.ip, requestId: res.locals.requestId as string | undefined, at,
  };
  if (path.startsWith('/auth/')) {
    record.interaction = path.slice('/auth/'.length);
    return record;
  }
  const fhirPath = path.replace(/^\/fhir\/?/, '').replace(/\/+$/, '');
  try {
    const params = classify(req.method === 'HEAD' ? 'GET' : req.method, fhirPath);
    record.interaction = params.interaction;
    if (params.type && params.id) record.resource = `${params.type}/${params.id}`;
    if ((params.compartmentType || params.type === 'Patient') && params.id) record.patient ??= params.id;
    if (params.interaction.startsWith('search') || params.interaction === 'operation' || params.interaction.startsWith('history')) {
      record.query = typeof req.body === 'string' && req.body ? [query, req.body].filter(Boolean).join('&') : query;
    }
  } catch {
    // No such route: the record keeps `unknown` and the URL.
  }
  return record;
}

function splitUrl(url: string): [string, string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q + 1)];
}
