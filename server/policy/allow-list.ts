/**
 * What an aggregate-only caller may filter and stratify on (as DataSHIELD's disclosure filters and vantage6's
 * algorithm settings): the policy's per-type allow-list, and a deny-list no policy can lift — ids, identifiers,
 * free text, references to named resources, includes and element selection — because each singles out a row.
 */
import type { SearchFilter, SearchRequest } from '../search/search-request.ts';
import type { DisclosurePolicy } from './policy.ts';
import { policyRefusal } from './refusals.ts';

const NEVER_ALLOWED = new Set(['_id', 'identifier', '_text', '_content', '_list', '_query', '_filter', '_source', '_tag', '_security', '_profile', 'name', 'family', 'given', 'phone', 'email', 'telecom', 'address', 'text']);
const NEVER_MODIFIERS = new Set(['text', 'contains', 'identifier', 'above', 'below']);

/** Throws `filter-not-allowed` unless every part of the search is open to aggregate callers. */
export function assertSearchAllowed(request: SearchRequest, policy: DisclosurePolicy): void {
  if (!request.resourceType) throw policyRefusal('filter-not-allowed', 'Aggregate callers search one resource type at a time');
  if (request.compartment) throw policyRefusal('filter-not-allowed', 'A compartment search concerns one patient', request.compartment);
  if (request.include.length > 0 || request.revinclude.length > 0) throw policyRefusal('filter-not-allowed', '_include and _revinclude return rows', '_include');
  if (request.elements) throw policyRefusal('filter-not-allowed', '_elements returns rows', '_elements');
  for (const filter of request.filters) assertFilterAllowed(filter, request.resourceType, policy);
}

function assertFilterAllowed(filter: SearchFilter, type: string, policy: DisclosurePolicy): void {
  const code = filter.kind === 'has' ? '_has' : filter.code;
  const where = `${type}.${code}`;
  if (NEVER_ALLOWED.has(code)) throw policyRefusal('filter-not-allowed', `Filtering on ${code} would single out records`, where);
  const allowed = policy.allow.searchParameters?.[type] ?? [];
  if (!allowed.includes(code)) throw policyRefusal('filter-not-allowed', `${type} may not be filtered on ${code} by aggregate callers`, where);
  if (filter.kind === 'has') {
    // The join parameter and the inner filter are checked against the inner type's list.
    if (!(policy.allow.searchParameters?.[filter.type] ?? []).includes(filter.code)) {
      throw policyRefusal('filter-not-allowed', `_has may not join ${filter.type} on ${filter.code}`, where);
    }
    assertFilterAllowed(filter.filter, filter.type, policy);
    return;
  }
  if (filter.kind === 'chain') {
    for (const target of filter.targetTypes) assertFilterAllowed(filter.filter, target, policy);
    return;
  }
  if (filter.modifier && NEVER_MODIFIERS.has(filter.modifier)) {
    throw policyRefusal('filter-not-allowed', `The :${filter.modifier} modifier is not open to aggregate callers`, where);
  }
  if (filter.type === 'string' && filter.modifier !== 'exact' && filter.modifier !== 'missing') {
    throw policyRefusal('filter-not-allowed', `Free-text matching on ${code} is not open to aggregate callers; use :exact`, where);
  }
  if (filter.type === 'reference' && filter.modifier !== 'missing') {
    throw policyRefusal('filter-not-allowed', `A reference to a named resource (${code}) singles out records`, where);
  }
  // A composite can name a resource too (DocumentReference?relationship=DocumentReference/d0$replaces).
  if (filter.type === 'composite' && filter.values.some((v) => v.kind === 'composite' && v.first.kind === 'reference')) {
    throw policyRefusal('filter-not-allowed', `A composite naming a resource (${code}) singles out records`, where);
  }
}

/** Whitespace-insensitive membership of an expression in an allow-list. */
export function isExpressionAllowed(expression: string, allowed: string[] | undefined): boolean {
  const norm = (s: string) => s.replace(/\s+/g, '');
  return (allowed ?? []).some((a) => norm(a) === norm(expression));
}
