/**
 * Resolves chained parameters and `_has` by sub-queries, turning them into plain reference and `_id` filters
 * that compile.ts can translate; `_list` and the terminology modifiers of tokens are resolved here too.
 * https://hl7.org/fhir/R4/search.html#chaining
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcomes.ts';
import type { Store } from '../store/types.ts';
import { compileSearchFilter } from './compile.ts';
import { evaluateSearchParameter } from './extract.ts';
import { parseReference, referenceKey } from './index-keys.ts';
import { getSearchParameter } from './registry.ts';
import { listMembers } from './list-members.ts';
import { resolveTerminologyFilter } from './resolve-terminology.ts';
import type { ParameterFilter, SearchFilter } from './search-request.ts';

/** Inner matches beyond this are not used; the outer result may then be incomplete (a warning says so). */
export const MAX_CHAIN_MATCHES = 10_000;

/** Replaces chain and `_has` filters by the reference or `_id` filters their sub-queries imply. */
export async function resolveChainedFilters(
  store: Store,
  filters: SearchFilter[],
  outerTypes: string[] | undefined,
  warnings: OperationOutcomeIssue[],
): Promise<ParameterFilter[]> {
  return Promise.all(filters.map((f) => resolveFilter(store, f, outerTypes, warnings)));
}

async function resolveFilter(
  store: Store,
  filter: SearchFilter,
  outerTypes: string[] | undefined,
  warnings: OperationOutcomeIssue[],
): Promise<ParameterFilter> {
  if (filter.kind === 'parameter') {
    if (filter.code === '_list') return idFilter(await listMembers(store, filter, outerTypes));
    return resolveTerminologyFilter(store, filter, warnings);
  }
  if (filter.kind === 'chain') {
    const references: string[] = [];
    for (const type of filter.targetTypes) {
      const [inner] = await resolveChainedFilters(store, [filter.filter], [type], warnings);
      const found = await findCapped(store, type, inner, warnings);
      for (const version of found) references.push(`${version.type}/${version.id}`);
    }
    return { kind: 'parameter', code: filter.code, type: 'reference', values: references.map((reference) => ({ kind: 'reference', reference })) };
  }
  // _has: resources of filter.type matching the inner filter, then whatever their `code` reference points to.
  const [inner] = await resolveChainedFilters(store, [filter.filter], [filter.type], warnings);
  const ids = new Set<string>();
  if (store.referenceKeys) {
    // The inner matches' reference keys already name their targets: no bodies read, no cap.
    const prefix = referenceKey(filter.code, '');
    const keys = await store.referenceKeys({ deleted: false, type: filter.type, $and: [compileSearchFilter(inner)] }, prefix);
    for (const key of keys) {
      const typed = parseReference(key.slice(prefix.length));
      if (typed && (!outerTypes || outerTypes.includes(typed.type))) ids.add(typed.id);
    }
    return idFilter(ids);
  }
  const found = await findCapped(store, filter.type, inner, warnings);
  const def = getSearchParameter(filter.type, filter.code)!;
  for (const version of found) {
    for (const value of evaluateSearchParameter(JSON.parse(version.json) as Resource, def)) {
      const ref = typeof value === 'object' && value ? (value as { reference?: unknown }).reference : undefined;
      const typed = typeof ref === 'string' ? parseReference(ref) : undefined;
      if (typed && (!outerTypes || outerTypes.includes(typed.type))) ids.add(typed.id);
    }
  }
  return idFilter(ids);
}

function idFilter(ids: Set<string>): ParameterFilter {
  return { kind: 'parameter', code: '_id', type: 'token', values: [...ids].map((code) => ({ kind: 'token', code })) };
}

async function findCapped(store: Store, type: string, filter: ParameterFilter, warnings: OperationOutcomeIssue[]) {
  const found = await store.find({
    filter: { deleted: false, type, $and: [compileSearchFilter(filter)] },
    sort: [['_id', 1]],
    limit: MAX_CHAIN_MATCHES + 1,
  });
  if (found.length > MAX_CHAIN_MATCHES) {
    warnings.push(issue('warning', 'too-costly', `A chained or _has condition on ${type} matched more than ${MAX_CHAIN_MATCHES} resources; only the first ${MAX_CHAIN_MATCHES} were used`));
    found.length = MAX_CHAIN_MATCHES;
  }
  return found;
}
