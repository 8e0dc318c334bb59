/**
 * SMART scopes, v1 and v2, parsed into grants: `patient/`, `user/`, `system/`; a resource type or `*`;
 * `c r u d s` (v2) or `read` / `write` / `*` (v1). Anything else is refused, never ignored.
 * https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html
 */
import { isResourceType } from '../fhir/definitions.ts';

export type ScopeContext = 'patient' | 'user' | 'system';
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

/** One resource scope as a grant. */
export interface ResourceGrant {
  context: ScopeContext;
  /** A resource type, or `*`. */
  resourceType: string;
  permissions: Set<Permission>;
}

export interface ParsedScopes {
  grants: ResourceGrant[];
  /** Scopes that grant no resource access: openid, fhirUser, launch, launch/patient, offline_access, ... */
  other: string[];
}

/** Scopes of the SMART and OpenID specs that are not resource scopes. */
const NON_RESOURCE_SCOPES = new Set([
  'openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access',
]);

const V1_PERMISSIONS: Record<string, Permission[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
const V2_ORDER = 'cruds';

/** Thrown for a malformed or unknown scope; the token endpoint answers `invalid_scope`, the FHIR layer 403. */
export class ScopeError extends Error {}

/** Parses one scope string; throws ScopeError when it is malformed or unknown. */
export function parseScope(scope: string): ResourceGrant | string {
  if (NON_RESOURCE_SCOPES.has(scope)) return scope;
  const match = /^(patient|user|system)\/([A-Za-z]+|\*)\.([a-z]+|\*)$/.exec(scope);
  if (!match) {
    if (scope.includes('?')) throw new ScopeError(`Scope ${scope}: granular scopes (with a query) are not supported`);
    throw new ScopeError(`Scope ${scope} is not a SMART scope`);
  }
  const [, context, resourceType, action] = match;
  if (resourceType !== '*' && !isResourceType(resourceType)) throw new ScopeError(`Scope ${scope}: unknown resource type ${resourceType}`);
  return { context: context as ScopeContext, resourceType, permissions: new Set(parsePermissions(scope, action)) };
}

function parsePermissions(scope: string, action: string): Permission[] {
  const v1 = V1_PERMISSIONS[action];
  if (v1) return v1;
  // v2: a non-empty subsequence of "cruds", in that order, each letter once.
  let at = 0;
  for (const letter of action) {
    const found = V2_ORDER.indexOf(letter, at);
    if (found < 0) throw new ScopeError(`Scope ${scope}: permissions must be letters of "cruds" in that order`);
    at = found + 1;
  }
  return [...action] as Permission[];
}

/** Parses a space-separated scope list; throws ScopeError naming the first bad scope. */
export function parseScopes(scopes: string | string[]): ParsedScopes {
  const list = Array.isArray(scopes) ? scopes : scopes.split(/\s+/).filter(Boolean);
  const parsed: ParsedScopes = { grants: [], other: [] };
  for (const scope of list) {
    const result = parseScope(scope);
    if (typeof result === 'string') parsed.other.push(result);
    else parsed.grants.push(result);
  }
  return parsed;
}

/** Whether `grant` gives `permission` on `resourceType`. */
export function grantAllows(grant: ResourceGrant, resourceType: string, permission: Permission): boolean {
  return (grant.resourceType === '*' || grant.resourceType === resourceType) && grant.permissions.has(permission);
}

/** True when `requested` asks for nothing beyond `allowed` (same context, a type `allowed` covers, fewer permissions). */
export function grantCovers(allowed: ResourceGrant, requested: ResourceGrant): boolean {
  if (allowed.context !== requested.context) return false;
  if (allowed.resourceType !== '*' && allowed.resourceType !== requested.resourceType) return false;
  return [...requested.permissions].every((p) => allowed.permissions.has(p));
}
