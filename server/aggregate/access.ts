/**
 * Who gets exact aggregates and who gets them through the disclosure policy. A site-internal caller whose SMART
 * scopes allow row-level reads of the types involved gets exact numbers (it could count the rows itself); every
 * other caller — federation callers above all — gets numbers that passed the policy.
 */
import type { Caller, FhirContext } from '../fhir/context.ts';
import type { DisclosureControl } from '../policy/disclosure-control.ts';
import { policyRefusal } from '../policy/refusals.ts';

export type AggregateAccess = { mode: 'exact' } | { mode: 'disclosure-control'; caller: Caller; control: DisclosureControl };

/** The access an aggregate operation over `types` runs with. */
export function aggregateAccess(ctx: FhirContext, types: string[]): AggregateAccess {
  const caller = ctx.caller;
  // No caller: no authorization configured (framework-free handler tests); the site trusts its own process.
  if (!caller) return { mode: 'exact' };
  if (caller.role !== 'aggregate' && types.every((t) => allowsRowLevelRead(caller.scopes, t))) return { mode: 'exact' };
  if (!ctx.disclosure) throw policyRefusal('aggregate-only', 'This site has no disclosure policy loaded, so it answers no aggregate-only caller');
  return { mode: 'disclosure-control', caller, control: ctx.disclosure };
}

/**
 * Whether SMART scopes grant reading every resource of a type (user/ or system/ level; a patient/ scope covers
 * one patient, not a cohort). http://hl7.org/fhir/smart-app-launch/scopes-and-launch-context.html
 */
export function allowsRowLevelRead(scopes: string[], type: string): boolean {
  return scopes.some((scope) => {
    const m = /^(user|system)\/(\*|[A-Z][A-Za-z]+)\.(\*|read|[cruds]+)$/.exec(scope);
    if (!m || (m[2] !== '*' && m[2] !== type)) return false;
    return m[3] === '*' || m[3] === 'read' || (m[3].includes('r') && m[3].includes('s'));
  });
}
