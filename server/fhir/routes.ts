/**
 * The interaction table: every FHIR route the site serves, as data. The router dispatches by it, the
 * CapabilityStatement is generated from it, and the OpenAPI test checks openapi.yaml against it, so none of the
 * three can drift from the others. https://hl7.org/fhir/R4/http.html
 */
import { authorizeRoute } from '../auth/route-access.ts';
import type { FhirContext, FhirRequest, FhirResponse } from './context.ts';
import { processBundle } from './bundle/process-bundle.ts';
import { capabilityStatement } from './capabilities/capability-statement.ts';
import { createResource } from './interactions/create.ts';
import { conditionalDelete, deleteResource } from './interactions/delete.ts';
import { historyBundle } from './interactions/history.ts';
import { conditionalPatch, patchResource } from './interactions/patch.ts';
import { readResource, readVersion } from './interactions/read.ts';
import { searchBundle } from './interactions/search.ts';
import { conditionalUpdate, updateResource } from './interactions/update.ts';
import { isResourceType } from './definitions.ts';
import { isValidId } from './ids.ts';
import { operations } from './operations/registry.ts';
import { forbidden, methodNotAllowed, notFound, unknownType } from './outcomes.ts';

/** Interaction codes of https://hl7.org/fhir/R4/valueset-type-restful-interaction.html, plus `operation`. */
export type Interaction =
  | 'read' | 'vread' | 'update' | 'patch' | 'delete' | 'history-instance' | 'history-type' | 'create'
  | 'search-type' | 'capabilities' | 'transaction' | 'batch' | 'history-system' | 'search-system'
  | 'conditional-create' | 'conditional-update' | 'conditional-patch' | 'conditional-delete' | 'operation';

export type RouteParams = { type?: string; id?: string; vid?: string; compartmentType?: string };

export interface Route {
  interaction: Interaction;
  method: FhirRequest['method'];
  /** Path segments below the base: literals, or `{type}`, `{id}`, `{vid}`, `{compartmentType}`. */
  path: string[];
  handler(req: FhirRequest, ctx: FhirContext, params: RouteParams): Promise<FhirResponse>;
  summary: string;
  /**
   * True for routes whose answers are aggregates that pass the site's disclosure policy, and so are open to
   * federation callers (Caller.role 'aggregate'); every other route is row-level and refused to them.
   */
  aggregate?: boolean;
}

const byType = (route: Omit<Route, 'path'> & { path: string }): Route => ({ ...route, path: route.path ? route.path.split('/') : [] });

export const routes: Route[] = [
  byType({ interaction: 'capabilities', method: 'GET', path: 'metadata', summary: 'CapabilityStatement', handler: (req, ctx) => capabilityStatement(req, ctx) }),
  byType({ interaction: 'transaction', method: 'POST', path: '', summary: 'batch or transaction Bundle', handler: (req, ctx) => processBundle(req, ctx, dispatch) }),
  byType({ interaction: 'history-system', method: 'GET', path: '_history', summary: 'history of all resources', handler: (req, ctx) => historyBundle(req, ctx) }),
  byType({ interaction: 'search-system', method: 'GET', path: '', summary: 'search across types (_type)', handler: (req, ctx) => searchBundle(req, ctx, {}) }),
  byType({ interaction: 'search-system', method: 'POST', path: '_search', summary: 'search across types, form body', handler: (req, ctx) => searchBundle(req, ctx, {}) }),
  byType({ interaction: 'search-type', method: 'GET', path: '{type}', summary: 'search', handler: (req, ctx, p) => searchBundle(req, ctx, { type: p.type }) }),
  byType({ interaction: 'search-type', method: 'POST', path: '{type}/_search', summary: 'search, form body', handler: (req, ctx, p) => searchBundle(req, ctx, { type: p.type }) }),
  byType({ interaction: 'create', method: 'POST', path: '{type}', summary: 'create (If-None-Exist: conditional create)', handler: (req, ctx, p) => createResource(req, ctx, p.type!) }),
  byType({ interaction: 'conditional-update', method: 'PUT', path: '{type}', summary: 'conditional update', handler: (req, ctx, p) => conditionalUpdate(req, ctx, p.type!) }),
  byType({ interaction: 'conditional-patch', method: 'PATCH', path: '{type}', summary: 'conditional patch', handler: (req, ctx, p) => conditionalPatch(req, ctx, p.type!) }),
  byType({ interaction: 'conditional-delete', method: 'DELETE', path: '{type}', summary: 'conditional delete', handler: (req, ctx, p) => conditionalDelete(req, ctx, p.type!) }),
  byType({ interaction: 'history-type', method: 'GET', path: '{type}/_history', summary: 'history of a type', handler: (req, ctx, p) => historyBundle(req, ctx, p.type) }),
  byType({ interaction: 'read', method: 'GET', path: '{type}/{id}', summary: 'read', handler: (req, ctx, p) => readResource(req, ctx, p.type!, p.id!) }),
  byType({ interaction: 'update', method: 'PUT', path: '{type}/{id}', summary: 'update or create with a client id', handler: (req, ctx, p) => updateResource(req, ctx, p.type!, p.id!) }),
  byType({ interaction: 'patch', method: 'PATCH', path: '{type}/{id}', summary: 'JSON Patch', handler: (req, ctx, p) => patchResource(req, ctx, p.type!, p.id!) }),
  byType({ interaction: 'delete', method: 'DELETE', path: '{type}/{id}', summary: 'delete', handler: (req, ctx, p) => deleteResource(req, ctx, p.type!, p.id!) }),
  byType({ interaction: 'history-instance', method: 'GET', path: '{type}/{id}/_history', summary: 'history of a resource', handler: (req, ctx, p) => historyBundle(req, ctx, p.type, p.id) }),
  byType({ interaction: 'vread', method: 'GET', path: '{type}/{id}/_history/{vid}', summary: 'vread', handler: (req, ctx, p) => readVersion(req, ctx, p.type!, p.id!, p.vid!) }),
  byType({ interaction: 'search-type', method: 'GET', path: 'Patient/{id}/{compartmentType}', summary: 'Patient compartment search', handler: (req, ctx, p) => searchBundle(req, ctx, { type: p.compartmentType, compartment: `Patient/${p.id}` }) }),
  ...operations.flatMap((op) => op.routes),
];

/** The route a request selected, and its parameters. */
export interface MatchedRoute {
  route: Route;
  params: RouteParams;
}

/**
 * Finds the route for a request and runs it; `dispatch` is also how Bundle entries run. `onRoute` hears which
 * route it was (the HTTP layer's audit record names the interaction without matching the path again).
 */
export async function dispatch(req: FhirRequest, ctx: FhirContext, onRoute?: (matched: MatchedRoute) => void): Promise<FhirResponse> {
  const matched = matchRouteFor(req, ctx);
  onRoute?.(matched);
  return matched.route.handler(req, authorizeRoute(matched.route, matched.params, req, ctx), matched.params);
}

/**
 * A federation caller asking for something the site does not serve ($everything, $export, a made-up path) gets
 * the same 403 as for any row-level request, naming the rule — not a 404 that would map what exists.
 */
function matchRouteFor(req: FhirRequest, ctx: FhirContext): MatchedRoute {
  try {
    return matchRoute(req.method, req.path);
  } catch (err) {
    if (ctx.caller?.role !== 'aggregate') throw err;
    throw forbidden(`Rule aggregate-only: ${ctx.caller.clientId} is a federation client; it may call aggregate operations and _summary=count searches only`);
  }
}

/** The route a method and path select, or the right error: 404 unknown type or path, 405 wrong method. */
export function matchRoute(method: string, path: string): MatchedRoute {
  const segments = new PathSegments(path);
  let unknownTypeName: string | undefined;
  let pathMatched = false;
  for (const route of routes) {
    const result = matchSegments(route.path, segments);
    if (result === 'no') continue;
    if (typeof result === 'string') {
      unknownTypeName ??= result;
      continue;
    }
    pathMatched = true;
    if (route.method === method) return { route, params: result };
  }
  if (pathMatched) throw methodNotAllowed(method, `/${path}`);
  if (unknownTypeName !== undefined) throw unknownType(unknownTypeName);
  throw notFound(`No FHIR interaction at /${path}`);
}

/** A path's segments, each decoded once when a route first needs it (a malformed escape throws only then). */
class PathSegments {
  private readonly raw: string[];
  private readonly decoded: (string | undefined)[] = [];
  constructor(path: string) {
    this.raw = path === '' ? [] : path.split('/');
  }
  get length(): number {
    return this.raw.length;
  }
  at(i: number): string {
    return (this.decoded[i] ??= this.raw[i].includes('%') ? decodeURIComponent(this.raw[i]) : this.raw[i]);
  }
}

/** Params when the segments fit the pattern, 'no' when they do not, or the name of an unknown resource type. */
function matchSegments(pattern: string[], segments: PathSegments): RouteParams | 'no' | string {
  if (pattern.length !== segments.length) return 'no';
  // Literal segments first: most routes of the right length differ there, and comparing costs nothing.
  for (let i = 0; i < pattern.length; i++) if (!pattern[i].startsWith('{') && pattern[i] !== segments.at(i)) return 'no';
  const params: RouteParams = {};
  let badType: string | undefined;
  for (let i = 0; i < pattern.length; i++) {
    const want = pattern[i];
    const got = segments.at(i);
    if (want === '{type}' || want === '{compartmentType}') {
      if (!/^[A-Z][A-Za-z]{1,63}$/.test(got)) return 'no';
      if (!isResourceType(got)) badType ??= got;
      params[want === '{type}' ? 'type' : 'compartmentType'] = got;
    } else if (want === '{id}' || want === '{vid}') {
      if (!isValidId(got)) return 'no';
      params[want === '{id}' ? 'id' : 'vid'] = got;
    }
  }
  return badType ?? params;
}
