/**
 * Every request to /fhir and /auth (read, search, write, aggregate, refused) leaves an AuditEvent in the audit
 * trail once it is answered. https://profiles.ihe.net/ITI/BALP/content.html
 */
import type { NextFunction, Request, Response } from 'express';
import type { AccessRecord } from '../audit/balp-audit-event.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import type { Caller } from '../fhir/context.ts';
import { toOperationOutcomeError } from '../fhir/outcomes.ts';
import { matchRoute, type MatchedRoute } from '../fhir/routes.ts';
import type { RequestStep } from './request-steps.ts';

export function auditRequests(trail: AuditTrail, classify: ClassifyRequest = classifySiteRequest) {
  const describe = (facts: AnsweredRequest) => accessRecord(facts, classify);
  return ((req: Request, res: Response): void => {
    if (!req.path.startsWith('/fhir') && !req.path.startsWith('/auth')) return;
    const at = Date.now();
    res.on('finish', () => trail.record(answeredRequest(req, res, at), describe));
  }) satisfies RequestStep;
}

/** What a request's record needs, kept when it is answered (the request and response themselves are let go). */
interface AnsweredRequest {
  method: string;
  url: string;
  status: number;
  reason?: string;
  caller?: Caller;
  clientAddress?: string;
  requestId?: string;
  /** A form body (POST _search): its parameters are part of the query. */
  form?: string;
  /** The FHIR route that served it (fhir-endpoint.ts), when one did. */
  route?: MatchedRoute;
  at: number;
}

function answeredRequest(req: Request, res: Response, at: number): AnsweredRequest {
  return {
    method: req.method, url: req.originalUrl, status: res.statusCode, reason: res.locals.auditReason as string | undefined,
    caller: (res.locals.caller ?? res.locals.auditCaller) as Caller | undefined, clientAddress: clientAddressOf(req), requestId: res.locals.requestId as string | undefined,
    form: typeof req.body === 'string' && req.body ? req.body : undefined, route: res.locals.route as MatchedRoute | undefined, at,
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

/** req.ip; without a trusted proxy that is the socket's address, which needs no look at forwarding headers. */
function clientAddressOf(req: Request): string | undefined {
  return req.app.get('trust proxy') ? req.ip : req.socket.remoteAddress;
}

function accessRecord(answered: AnsweredRequest, classify: ClassifyRequest): AccessRecord {
  const { caller, method } = answered;
  const [path, query] = splitUrl(answered.url);
  const record: AccessRecord = {
    interaction: 'unknown', method, url: answered.url, status: answered.status, reason: answered.reason,
    clientId: caller?.clientId, onBehalfOf: caller?.onBehalfOf, purposeOfUse: caller?.purposeOfUse, role: caller?.role, patient: caller?.patient, clientAddress: answered.clientAddress, requestId: answered.requestId, at: new Date(answered.at),
  };
  if (path.startsWith('/auth/')) {
    record.interaction = path.slice('/auth/'.length);
    return record;
  }
  const fhirPath = path.replace(/^\/fhir\/?/, '').replace(/\/+$/, '');
  try {
    const params = answered.route ? { interaction: answered.route.route.interaction, ...answered.route.params } : classify(method === 'HEAD' ? 'GET' : method, fhirPath);
    record.interaction = params.interaction;
    if (params.type && params.id) record.resource = `${params.type}/${params.id}`;
    if ((params.compartmentType || params.type === 'Patient') && params.id) record.patient ??= params.id;
    if (params.interaction.startsWith('search') || params.interaction === 'operation' || params.interaction.startsWith('history')) {
      record.query = answered.form ? [query, answered.form].filter(Boolean).join('&') : query;
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
