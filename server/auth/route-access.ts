/**
 * Authorization of one FHIR interaction, called by `dispatch` for every request and every Bundle entry: the
 * caller's role, then its SMART scopes against the interaction's resource types, then the store as the caller may
 * see it (ScopedStore). https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html
 */
import type { FhirContext, FhirRequest } from '../fhir/context.ts';
import { forbidden } from '../fhir/outcomes.ts';
import type { Route, RouteParams } from '../fhir/routes.ts';
import { accessOf, requirePermission, type CallerAccess } from './caller-access.ts';
import type { Permission } from './scopes.ts';
import { ScopedStore } from './scoped-store.ts';

/** The AuditEvents live in the audit trail, readable by site administrators only and never written over REST. */
const AUDIT_TYPE = 'AuditEvent';

const PERMISSION_BY_INTERACTION: Partial<Record<Route['interaction'], Permission[]>> = {
  read: ['r'], vread: ['r'], 'history-instance': ['r'], 'history-type': ['r'], 'history-system': ['r'],
  'search-type': ['s'], 'search-system': ['s'], create: ['c'], update: ['u'], patch: ['u'], delete: ['d'],
  'conditional-create': ['c', 's'], 'conditional-update': ['u', 's'], 'conditional-patch': ['u', 's'],
  'conditional-delete': ['d', 's'], operation: ['r'],
};

const WRITES = new Set<Route['interaction']>(['create', 'update', 'patch', 'delete', 'conditional-create', 'conditional-update', 'conditional-patch', 'conditional-delete', 'operation']);

/** The context the route runs with; throws 403 naming the rule or the missing scope. No caller: no authorization configured. */
export function authorizeRoute(route: Route, params: RouteParams, req: FhirRequest, ctx: FhirContext): FhirContext {
  const { caller } = ctx;
  if (!caller || route.interaction === 'capabilities') return ctx;
  if (caller.role === 'aggregate') return authorizeAggregate(route, params, req, ctx);
  const access = accessOf(caller);
  if (route.aggregate) return scopedContext(ctx, access);
  // Each entry is dispatched, and authorized, on its own; the Bundle's session must already write through the scoped store.
  if (route.interaction === 'transaction') return scopedContext(ctx, access);
  const types = resourceTypesOf(route, params, req);
  const permissions = permissionsOf(route, req);
  for (const type of types) {
    for (const permission of permissions) requirePermission(access, type, permission, `${route.interaction} on ${type}`);
  }
  if (types.includes(AUDIT_TYPE)) return auditContext(route, types, ctx);
  return scopedContext(ctx, access);
}

/** Federation callers reach aggregate routes, and counts (`_summary=count`) of a type search; nothing row-level. */
function authorizeAggregate(route: Route, params: RouteParams, req: FhirRequest, ctx: FhirContext): FhirContext {
  if (route.aggregate) return ctx;
  const isTypeCount =
    route.interaction === 'search-type' && !params.compartmentType && req.params.some(([n, v]) => n === '_summary' && v === 'count');
  if (!isTypeCount || params.type === AUDIT_TYPE) {
    throw forbidden(`Rule aggregate-only: ${ctx.caller!.clientId} is a federation client; it may call aggregate operations and _summary=count searches only, not ${route.interaction}`);
  }
  const access = accessOf(ctx.caller!);
  requirePermission(access, params.type!, 's', `a count of ${params.type}`);
  return scopedContext(ctx, access);
}

function scopedContext(ctx: FhirContext, access: CallerAccess): FhirContext {
  if (ctx.store instanceof ScopedStore) return ctx; // a Bundle entry: its Bundle's context is scoped already
  return { ...ctx, store: new ScopedStore(ctx.store, access) };
}

function auditContext(route: Route, types: string[], ctx: FhirContext): FhirContext {
  if (WRITES.has(route.interaction)) throw forbidden('Rule audit-append-only: AuditEvents are recorded by the server and never written, changed or deleted over REST');
  if (ctx.caller!.role !== 'admin') throw forbidden('Rule audit-admin: the audit trail is open to site administrators only');
  if (types.length > 1) throw forbidden('Rule audit-admin: search AuditEvent on its own, not with other types');
  if (!ctx.auditStore) throw forbidden('Rule audit-admin: this server keeps no audit trail');
  return { ...ctx, store: ctx.auditStore };
}

/** The resource types an interaction touches; `*` when it spans all types. */
function resourceTypesOf(route: Route, params: RouteParams, req: FhirRequest): string[] {
  if (params.compartmentType) return [params.compartmentType];
  if (params.type) return [params.type];
  if (route.interaction === 'search-system') {
    const listed = req.params.filter(([n]) => n === '_type').flatMap(([, v]) => v.split(',')).map((t) => t.trim()).filter(Boolean);
    return listed.length > 0 ? [...new Set(listed)] : ['*'];
  }
  return ['*'];
}

function permissionsOf(route: Route, req: FhirRequest): Permission[] {
  if (route.interaction === 'create' && req.headers['if-none-exist']) return PERMISSION_BY_INTERACTION['conditional-create']!;
  return PERMISSION_BY_INTERACTION[route.interaction] ?? ['r'];
}
