/**
 * Turns the token modifiers that need terminology into plain token conditions before compilation:
 * `:in` / `:not-in` become the codes of the ValueSet's expansion (`:not-in` as `:not`), and `:above` / `:below`
 * become the codes a CodeSystem's hierarchy puts above or below the code. A URI-like code with no known hierarchy
 * is subsumed by its path: `:below` is a prefix match and `:above` lists its ancestors.
 * https://hl7.org/fhir/R4/search.html#token
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { badRequest, issue } from '../fhir/outcomes.ts';
import type { Store } from '../store/types.ts';
import { codesAbove, codesBelow, hasHierarchy, hierarchyOf } from './code-system-hierarchy.ts';
import type { ParameterFilter, SearchValue } from './search-request.ts';
import { findTerminologyResource } from './terminology-source.ts';
import { uriAncestors } from './values.ts';
import { expandValueSet } from './value-set-expansion.ts';

export const TERMINOLOGY_MODIFIERS = new Set(['in', 'not-in', 'above', 'below']);

/** The filter with its terminology modifier replaced by the codes it stands for. */
export async function resolveTerminologyFilter(
  store: Store,
  filter: ParameterFilter,
  warnings: OperationOutcomeIssue[],
): Promise<ParameterFilter> {
  const { modifier } = filter;
  if (filter.type !== 'token' || !modifier || !TERMINOLOGY_MODIFIERS.has(modifier)) return filter;
  const name = `${filter.code}:${modifier}`;
  const values: SearchValue[] = [];
  for (const value of filter.values) {
    if (modifier === 'in' || modifier === 'not-in') values.push(...(await valueSetCodes(store, name, value, warnings)));
    else values.push(...(await subsumedCodes(store, name, modifier, value, warnings)));
  }
  const { modifier: _replaced, ...plain } = filter;
  return { ...plain, ...(modifier === 'not-in' && { modifier: 'not' }), values };
}

async function valueSetCodes(store: Store, name: string, value: SearchValue, warnings: OperationOutcomeIssue[]): Promise<SearchValue[]> {
  if (value.kind !== 'uri') return [];
  const expansion = await expandValueSet(store, value.uri);
  if (!expansion) throw badRequest(`${name}: the ValueSet ${value.uri} is not known to this site`, name);
  for (const message of expansion.issues) warnings.push(issue('warning', 'incomplete', `${name}: ${message}`, name));
  return expansion.codes.flatMap((c): SearchValue[] => {
    if (c.code === undefined) return [{ kind: 'token', system: c.system ?? '' }];
    // A `code` element is indexed without a system; its ValueSet's codes match it too.
    return c.system ? [{ kind: 'token', system: c.system, code: c.code }, { kind: 'token', system: '', code: c.code }] : [{ kind: 'token', system: '', code: c.code }];
  });
}

async function subsumedCodes(
  store: Store,
  name: string,
  modifier: string,
  value: SearchValue,
  warnings: OperationOutcomeIssue[],
): Promise<SearchValue[]> {
  if (value.kind !== 'token' || value.code === undefined) throw badRequest(`${name} takes [system]|code`, name);
  const { system, code } = value;
  if (system) {
    const found = await findTerminologyResource(store, 'CodeSystem', system);
    const hierarchy = found && hierarchyOf(found.resource);
    if (hierarchy && hasHierarchy(hierarchy)) {
      const codes = modifier === 'below' ? codesBelow(hierarchy, code) : codesAbove(hierarchy, code);
      return codes.map((c) => ({ kind: 'token', system, code: c }));
    }
  }
  if (isUriLike(code)) {
    if (modifier === 'below') return [{ kind: 'tokenPrefix', system, prefix: code }];
    return uriAncestors(code).map((c) => ({ kind: 'token', system, code: c }));
  }
  warnings.push(issue('warning', 'not-supported', `${name}: no hierarchy is known for ${system || 'this code'}; only ${code} itself matched`, name));
  return [value];
}

function isUriLike(code: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\/[^/]/i.test(code) || code.startsWith('urn:');
}
