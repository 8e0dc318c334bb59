/**
 * find() and count() over the in-memory documents: candidates from the inverted index, the full MongoDB filter
 * evaluated by mingo on those candidates only, then MongoDB's sort order and skip/limit.
 */
import { Query } from 'mingo';
import type { Filter, StoreQuery } from '../types.ts';
import { candidateIds, planCandidates, type CandidatePlan, type IndexLookups } from './candidate-selection.ts';
import { compareBySortSpec } from './document-sort.ts';
import type { MemoryDocument, MemoryState, ResourceRecord } from './memory-state.ts';
import { toMemoryFilter } from './memory-filter.ts';

export function findRecords(state: MemoryState, query: StoreQuery): ResourceRecord[] {
  const plan = planCandidates(query.filter, indexLookups(state));
  const matches = matchingDocuments(state, plan, query.filter);
  const skip = query.skip ?? 0;
  const limit = query.limit ?? Infinity;
  const page: MemoryDocument[] = [];
  if (query.sort && query.sort.length > 0) {
    const all = [...matches].sort(compareBySortSpec(query.sort));
    page.push(...all.slice(skip, skip + limit));
  } else {
    // Without a sort, stop as soon as the page is full.
    let skipped = 0;
    for (const document of matches) {
      if (page.length >= limit) break;
      if (skipped < skip) skipped++;
      else page.push(document);
    }
  }
  return page.map((document) => state.records.get(document._id)!);
}

export function countDocuments(state: MemoryState, filter: Filter): number {
  const plan = planCandidates(filter, indexLookups(state));
  if (plan.exact && plan.sets.length === 0) {
    return state.records.size - (plan.excludeDeleted ? state.tombstones.size : 0);
  }
  if (plan.exact && plan.sets.length === 1 && !plan.excludeDeleted) return plan.sets[0].size;
  let count = 0;
  for (const _document of matchingDocuments(state, plan, filter)) count++;
  return count;
}

function* matchingDocuments(state: MemoryState, plan: CandidatePlan, filter: Filter): Generator<MemoryDocument> {
  const query = plan.exact ? undefined : new Query<Record<string, unknown>>(toMemoryFilter(filter));
  for (const document of candidateDocuments(state, plan)) {
    if (!query || query.test(document as unknown as Record<string, unknown>)) yield document;
  }
}

function* candidateDocuments(state: MemoryState, plan: CandidatePlan): Generator<MemoryDocument> {
  if (plan.sets.length > 0) {
    for (const id of candidateIds(plan, state.tombstones)) yield state.records.get(id)!.document;
    return;
  }
  for (const record of state.records.values()) {
    if (!(plan.excludeDeleted && record.document.deleted)) yield record.document;
  }
}

function indexLookups(state: MemoryState): IndexLookups {
  return {
    lookup: (field, key) => state.index.lookup(field, key),
    lookupId: (documentId) => (state.records.has(documentId) ? new Set([documentId]) : new Set()),
    tombstones: state.tombstones,
  };
}
