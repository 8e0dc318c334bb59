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
import type { ParameterFilter, ResolvedFilter, SearchFilter } from './search-request.ts';

/** Inner matches beyond this are not used; the outer result may then be incomplete (a warning says so). */
export const MAX_CHAIN_MATCHES = 10_000;

/** Replaces chain and `_has` filters by the reference or `_id` filters their sub-queries imply. */
export async function resolveChainedFilters(
  store: Store,
  filters: (SearchFilter | ResolvedFilter)[],
  outerTypes: string[] | undefined,
  warnings: OperationOutcomeIssue[],
): Promise<ResolvedFilter[]> {
  return Promise.all(filters.map((f) => resolveFilter(store, f, outerTypes, warnings)));
}

async function resolveFilter(
  store: Store,
  filter: SearchFilter | ResolvedFilter,
  outerTypes: string[] | undefined,
  warnings: OperationOutcomeIssue[],
): Promise<ResolvedFilter> {
  if (filter.kind === 'store') return filter;
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
  const innerFilter = { deleted: false, type: filter.type, $and: [compileSearchFilter(inner)] };
  if (store.referenceTargets && outerTypes?.length === 1) {
    // The store names the targets its own way (the embedded store: by document number, no id strings at all).
    const condition = await store.referenceTargets(innerFilter, referenceKey(filter.code, ''), outerTypes[0]);
    return { kind: 'store', code: '_has', condition };
  }
  const ids = new Set<string>();
  if (store.referenceKeys) {
    // The inner matches' reference keys already name their targets: no bodies read, no cap.
    const prefix = referenceKey(filter.code, '');
    const keys = await store.referenceKeys(innerFilter, prefix);
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

async function findCapped(store: Store, type: string, filter: ResolvedFilter, warnings: OperationOutcomeIssue[]) {
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
