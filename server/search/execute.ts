/**
 * Runs a SearchRequest against a Store: chains and `_has` by sub-queries, then one find with sort and paging,
 * a count, and the included resources. https://hl7.org/fhir/R4/search.html
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Store, StoredVersion } from '../store/types.ts';
import { compileFilter, compileSort } from './compile.ts';
import { findIncludedResources } from './includes.ts';
import { resolveChainedFilters } from './resolve-chains.ts';
import type { SearchRequest } from './search-request.ts';

export interface SearchResult {
  matches: StoredVersion[];
  included: StoredVersion[];
  /** Absent when `_total=none` asked for none. */
  total?: number;
  warnings: OperationOutcomeIssue[];
}

/** Executes a search (https://hl7.org/fhir/R4/search.html). */
export async function searchResources(store: Store, request: SearchRequest): Promise<SearchResult> {
  const warnings = [...request.warnings];
  const outerTypes = request.resourceType ? [request.resourceType] : request.types;
  const filters = await resolveChainedFilters(store, request.filters, outerTypes, warnings);
  const filter = compileFilter({ ...request, filters });
  if (request.summary === 'count' || request.count === 0) {
    return { matches: [], included: [], total: await store.count(filter), warnings };
  }
  const matches = await store.find({ filter, sort: compileSort(request), skip: request.offset, limit: request.count });
  const included = await findIncludedResources(store, request, matches, warnings);
  return { matches, included, total: await countTotal(store, request, filter, matches), warnings };
}

async function countTotal(
  store: Store,
  request: SearchRequest,
  filter: Record<string, unknown>,
  matches: StoredVersion[],
): Promise<number | undefined> {
  if (request.total === 'none') return undefined;
  // A page that is not full tells the total without counting.
  if (matches.length < request.count && (matches.length > 0 || request.offset === 0)) return request.offset + matches.length;
  return store.count(filter);
}
