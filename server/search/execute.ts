/**
 * Runs a SearchRequest against a Store: chains and `_has` by sub-queries, then one find with sort and paging,
 * a count, and the included resources. https://hl7.org/fhir/R4/search.html
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { Filter, Store, StoredVersion } from '../store/types.ts';
import { compileFilter, compileSort } from './compile.ts';
import { findPage } from './find-page.ts';
import { findIncludedResources } from './includes.ts';
import { resolveChainedFilters } from './resolve-chains.ts';
import type { SearchRequest } from './search-request.ts';

export interface SearchResult {
  matches: StoredVersion[];
  included: StoredVersion[];
  /** Absent when `_total=none` asked for none. */
  total?: number;
  warnings: OperationOutcomeIssue[];
  /** `_cursor` values of the pages after and before this one (keyset paging, see cursor.ts), when there are any. */
  cursors?: { next?: string; previous?: string };
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
  const page = await findPage(store, request, filter, compileSort(request));
  const included = await findIncludedResources(store, request, page.matches, warnings);
  const total = await countTotal(store, request, page.totalFilter, page.matches);
  return { matches: page.matches, included, total, warnings, cursors: page.cursors };
}

async function countTotal(store: Store, request: SearchRequest, filter: Filter, matches: StoredVersion[]): Promise<number | undefined> {
  if (request.total === 'none') return undefined;
  // A page that is not full tells the total without counting (not a cursor page: it does not know its offset).
  if (!request.cursor && matches.length < request.count && (matches.length > 0 || request.offset === 0)) return request.offset + matches.length;
  return store.count(filter);
}
