/** Express to the framework-free FHIR layer and back: the only place where the two meet. */
import type { Request } from 'express';
import type { FhirContext, FhirRequest, SearchPairs } from '../fhir/context.ts';
import { badRequest, methodNotAllowed } from '../fhir/outcomes.ts';
import { dispatch } from '../fhir/routes.ts';
import type { RequestStep } from './request-steps.ts';
import { sendResource } from './send.ts';

const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const FORWARDED_HEADERS = ['if-match', 'if-none-exist', 'if-none-match', 'if-modified-since', 'prefer'];
/** Presentation parameters the HTTP layer handles; the FHIR layer never sees them. */
const PRESENTATION = new Set(['_format', '_pretty']);

/** Builds the context of one request: the configured public base URL, or the one the request came in on. */
export type ContextFactory = (req: Request) => FhirContext;

/** The last step of a /fhir request: the FHIR interaction, and its answer. */
export function fhirEndpoint(contextFor: ContextFactory): RequestStep {
  return async (req, res) => {
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (!METHODS.has(method)) throw methodNotAllowed(req.method, req.originalUrl);
    const response = await dispatch(toFhirRequest(req, method as FhirRequest['method']), contextFor(req), (matched) => void (res.locals.route = matched));
    if (response.headers) for (const name in response.headers) res.setHeader(name, response.headers[name]);
    sendResource(res, response.status, response.resource, response.json);
  };
}

function toFhirRequest(req: Request, method: FhirRequest['method']): FhirRequest {
  const path = req.path.replace(/^\/+/, '').replace(/\/+$/, '');
  const params = queryPairs(req.originalUrl);
  let body: unknown = req.body;
  if (typeof body === 'string') {
    // A form body only arrives for POST _search, whose parameters join the query's.
    if (!path.endsWith('_search')) throw badRequest('A form body is only accepted by _search');
    params.push(...[...new URLSearchParams(body)].filter(([name]) => !PRESENTATION.has(name)));
    body = undefined;
  }
  const headers: Record<string, string | undefined> = {};
  for (const name of FORWARDED_HEADERS) headers[name] = req.headers[name] as string | undefined;
  return { method, path, params, body, headers };
}

/** Query parameters as ordered string pairs from the raw URL: never objects (`?_id[$ne]=x` stays a plain name). */
export function queryPairs(originalUrl: string): SearchPairs {
  const q = originalUrl.indexOf('?');
  if (q < 0) return [];
  return [...new URLSearchParams(originalUrl.slice(q + 1))].filter(([name]) => !PRESENTATION.has(name));
}
