/**
 * What a Caller may do, from its SMART scopes: which permissions on which resource types, and whether its access
 * is confined to one patient's compartment. https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html
 */
import type { Caller } from '../fhir/context.ts';
import { forbidden } from '../fhir/outcomes.ts';
import { grantAllows, parseScopes, ScopeError, type Permission, type ResourceGrant } from './scopes.ts';

export interface CallerAccess {
  caller: Caller;
  grants: ResourceGrant[];
  /**
   * "Patient/123" when the caller holds any `patient/` scope: then everything it reads or writes is confined to
   * that compartment (holding `user/` scopes besides does not widen it: the narrower launch wins).
   */
  compartment?: string;
}

const cache = new WeakMap<Caller, CallerAccess>();

/** The access of a caller (parsed once per Caller object); 403 for malformed scopes or a patient scope without a patient. */
export function accessOf(caller: Caller): CallerAccess {
  let access = cache.get(caller);
  if (access) return access;
  let grants: ResourceGrant[];
  try {
    grants = parseScopes(caller.scopes).grants;
  } catch (err) {
    if (err instanceof ScopeError) throw forbidden(`Rule scope-syntax: ${err.message}`);
    throw err;
  }
  const patientScoped = grants.some((g) => g.context === 'patient');
  if (patientScoped && !caller.patient) throw forbidden('Rule patient-context: patient/ scopes need a patient launch context, and the token has none');
  access = { caller, grants, compartment: patientScoped ? `Patient/${caller.patient}` : undefined };
  cache.set(caller, access);
  return access;
}

/** Whether any scope of the caller gives `permission` on `resourceType` (`*` asks for a wildcard grant). */
export function mayAccess(access: CallerAccess, resourceType: string, permission: Permission): boolean {
  return access.grants.some((g) => grantAllows(g, resourceType, permission));
}

/** Whether the caller may see resources of this type at all (read or search), e.g. as an `_include`d resource. */
export function maySee(access: CallerAccess, resourceType: string): boolean {
  return mayAccess(access, resourceType, 'r') || mayAccess(access, resourceType, 's');
}

/** Whether the caller may write (create, update or delete) resources of this type. */
export function mayWrite(access: CallerAccess, resourceType: string): boolean {
  return mayAccess(access, resourceType, 'c') || mayAccess(access, resourceType, 'u') || mayAccess(access, resourceType, 'd');
}

/** For `_include` results: whether a caller (none: no authorization configured) may see resources of a type. */
export function callerMaySee(caller: Caller | undefined, resourceType: string): boolean {
  return !caller || caller.role === 'aggregate' || maySee(accessOf(caller), resourceType);
}

/** 403 naming the scope that would have allowed the interaction. */
export function requirePermission(access: CallerAccess, resourceType: string, permission: Permission, what: string): void {
  if (mayAccess(access, resourceType, permission)) return;
  const context = access.compartment ? 'patient' : access.caller.role === 'internal' ? 'user' : 'system';
  const granted = access.caller.scopes.join(' ') || '(none)';
  throw forbidden(`Rule smart-scope: ${what} needs scope ${context}/${resourceType}.${permission}; the token grants: ${granted}`);
}
