/**
 * find() and count() over the in-memory documents: candidates from the inverted index, the full MongoDB filter
 * evaluated on those candidates only (a compiled JS predicate, or mingo for operators it does not cover), then
 * MongoDB's sort order and skip/limit. A small page of a sorted search keeps only the best `skip + limit` matches
 * instead of sorting them all.
 */
import { Query } from 'mingo';
import { withWildcardEntries } from '../../search/index-keys.ts';
import type { Filter, MatchKeys, StoreQuery } from '../types.ts';
import { candidateIds, planCandidates, type CandidatePlan, type IndexLookups } from './candidate-selection.ts';
import { FAILED, PASSED, splitColumnConditions, testColumns } from './column-conditions.ts';
import { ONE_ENTRY } from './date-column.ts';
import { sortTuples, type SortSpec } from './document-sort.ts';
import { compilePredicate } from './filter-predicate.ts';
import type { PostingList } from './posting-list.ts';
import { memoryIndexEntriesOf, type MemoryDocument, type MemoryState, type ResourceRecord } from './memory-state.ts';
import { toMemoryFilter } from './memory-filter.ts';

/** Up to this many kept matches, a sorted page is picked by insertion instead of a full sort. */
const TOP_K_LIMIT = 2000;

/** Below this many candidates a top-k over them is cheap enough; no sorted order is built or walked. */
const WALK_MIN_CANDIDATES = 2000;

export function findRecords(state: MemoryState, query: StoreQuery): ResourceRecord[] {
  const plan = planCandidates(query.filter, indexLookups(state));
  const skip = query.skip ?? 0;
  const limit = query.limit ?? Infinity;
  const walked = walkSortedOrder(state, query, plan, skip + limit);
  if (walked) return walked.slice(skip).map((document) => state.records.get(document._id)!);
  const matches = matchingDocuments(state, plan, typeOf(query.filter));
  let page: MemoryDocument[];
  if (query.sort && query.sort.length > 0) {
    page = sortedPage(matches, query.sort, skip, limit);
  } else {
    // Without a sort, stop as soon as the page is full.
    page = [];
    let skipped = 0;
    for (const document of matches) {
      if (page.length >= limit) break;
      if (skipped < skip) skipped++;
      else page.push(document);
    }
  }
  return page.map((document) => state.records.get(document._id)!);
}

/**
 * A small sorted page of a selective search over a large type, read from the type's sorted order: walking the
 * order until `keep` matches are found visits about `typeSize * keep / candidates` documents, far fewer than the
 * candidates when they are many. Undefined when the search is better answered by a top-k over its candidates.
 */
function walkSortedOrder(state: MemoryState, query: StoreQuery, plan: CandidatePlan, keep: number): MemoryDocument[] | undefined {
  const type = query.filter.type;
  // The order holds current documents only, so the search must exclude deleted ones (every search does).
  if (!query.sort?.length || typeof type !== 'string' || keep > TOP_K_LIMIT || !plan.excludeDeleted) return undefined;
  const typeSize = state.index.lookup('type', type, type).size;
  const candidates = plan.sets.length > 0 ? Math.min(...plan.sets.map((s) => s.size)) : typeSize;
  if (candidates < WALK_MIN_CANDIDATES || (typeSize * keep) / candidates > candidates / 2) return undefined;
  const test = plan.exact ? undefined : documentTest(plan.residual);
  const page: MemoryDocument[] = [];
  for (const document of state.sortedOrder(type, query.sort).walk()) {
    if (plan.excludeDeleted && document.deleted) continue;
    if (!plan.sets.every((set) => set.has(document._id))) continue;
    if (test && !test(document)) continue;
    page.push(document);
    if (page.length >= keep) break;
  }
  return page;
}

function sortedPage(matches: Iterable<MemoryDocument>, sort: SortSpec, skip: number, limit: number): MemoryDocument[] {
  const { valuesOf, compareValues } = sortTuples(sort);
  const keep = skip + limit;
  if (keep > TOP_K_LIMIT) {
    const all = [...matches].map((document) => ({ document, values: valuesOf(document) }));
    all.sort((a, b) => compareValues(a.values, b.values));
    return all.slice(skip, skip + limit).map((e) => e.document);
  }
  // The best `keep` so far, in order; a match enters only if it beats the worst kept one.
  const best: { document: MemoryDocument; values: unknown[] }[] = [];
  for (const document of matches) {
    const values = valuesOf(document);
    if (best.length === keep && compareValues(values, best[keep - 1].values) >= 0) continue;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareValues(best[mid].values, values) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, { document, values });
    if (best.length > keep) best.pop();
  }
  return best.slice(skip).map((e) => e.document);
}

export function countDocuments(state: MemoryState, filter: Filter): number {
  const plan = planCandidates(filter, indexLookups(state));
  if (plan.exact && plan.sets.length === 0) {
    return state.records.size - (plan.excludeDeleted ? state.tombstones.size : 0);
  }
  if (plan.exact && plan.sets.length === 1) {
    const set = plan.sets[0];
    if (!plan.excludeDeleted) return set.size;
    let deleted = 0;
    if (state.tombstones.size < set.size) for (const id of state.tombstones) deleted += set.has(id) ? 1 : 0;
    else for (const id of set) deleted += state.tombstones.has(id) ? 1 : 0;
    return set.size - deleted;
  }
  const type = typeOf(filter);
  const byNumber = type === undefined ? undefined : matchingNumbers(state, plan, type);
  if (byNumber) return byNumber.length;
  let count = 0;
  for (const _document of matchingDocuments(state, plan)) count++;
  return count;
}

/** The ids and named sort keys of the matching documents (see Store.matchKeys). */
export function matchKeysOf(state: MemoryState, filter: Filter, sortKeys: string[]): MatchKeys[] {
  const plan = planCandidates(filter, indexLookups(state));
  const rows: MatchKeys[] = [];
  for (const document of matchingDocuments(state, plan, typeOf(filter))) rows.push({ id: document.id, keys: sortKeys.map((code) => document.srt[code]) });
  return rows;
}

/** The documents matching a plan; `type`, the filter's, lets date columns answer its date conditions. */
export function matchingDocuments(state: MemoryState, plan: CandidatePlan, type?: string): Iterable<MemoryDocument> {
  const numbers = type === undefined ? undefined : matchingNumbers(state, plan, type);
  if (numbers) return documentsOf(state, numbers);
  return testedCandidates(state, plan);
}

export function documentsOf(state: MemoryState, numbers: ArrayLike<number>): MemoryDocument[] {
  const documents = new Array<MemoryDocument>(numbers.length);
  for (let i = 0; i < numbers.length; i++) documents[i] = state.recordOf(numbers[i]).document;
  return documents;
}

/**
 * The numbers of the matches of a plan of `type` whose candidates all come from posting lists, when told without
 * reading most documents: the plan is exact, or its date conditions are answered by columns. Else undefined.
 */
export function matchingNumbers(state: MemoryState, plan: CandidatePlan, type: string): number[] | Uint32Array | undefined {
  if (plan.sets.length === 0 || !plan.sets.every((set) => set.postings)) return undefined;
  if (!plan.exact) return columnMatches(state, plan, type);
  return currentCandidates(state, plan);
}

function* testedCandidates(state: MemoryState, plan: CandidatePlan): Generator<MemoryDocument> {
  const test = plan.exact ? undefined : documentTest(plan.residual);
  for (const document of candidateDocuments(state, plan)) {
    if (!test || test(document)) yield document;
  }
}

/**
 * The matches of a plan whose residual has date conditions (column-conditions.ts): each candidate is tested on the
 * columns first, by number, and its document is reached only when a condition or the rest of the residual needs
 * it. Undefined when the residual has no date condition.
 */
function columnMatches(state: MemoryState, plan: CandidatePlan, type: string): number[] | undefined {
  const candidates = Math.min(...plan.sets.map((set) => set.size));
  const { columns, rest } = splitColumnConditions(toMemoryFilter(plan.residual), (code) => state.dateColumn(type, code, candidates));
  if (columns.length === 0) return undefined;
  const restTest = rest.length === 0 ? undefined : documentTest({ $and: rest });
  const numbers: number[] = [];
  const all = postingCandidateNumbers(plan);
  // Candidates that are one posting list (`Observation?code=X`) are tested on the columns aligned to that list, by
  // position in it: a repeated search for the same code reads its candidates' dates in sequence.
  const list = alignableList(plan);
  const tested = list ? columns.map((condition) => ({ ...condition, column: state.alignedColumn(type, list, condition.column) })) : columns;
  for (let i = 0; i < all.length; i++) {
    const n = all[i];
    // No deletion test: a deleted document has no column entries and fails testColumns (one cache miss fewer).
    const verdict = testColumns(tested, list ? i : n);
    if (verdict === FAILED) continue;
    if (verdict === PASSED && !restTest) {
      numbers.push(n);
      continue;
    }
    const { document } = state.recordOf(n);
    if (columns.every(({ column, onDocument }) => column.entriesOf(n) === ONE_ENTRY || onDocument(document)) && (!restTest || restTest(document))) numbers.push(n);
  }
  return numbers;
}

function documentTest(filter: Filter): (document: MemoryDocument) => boolean {
  const memoryFilter = toMemoryFilter(filter);
  const predicate = compilePredicate(memoryFilter);
  if (predicate) return predicate;
  const query = new Query<Record<string, unknown>>(memoryFilter);
  // mingo reads plain arrays: unpack the document's entries, each also under the wildcard names it stands for (slow,
  // and rare: only operators search never emits).
  return (document) => query.test({ ...document, ...withWildcardEntries(memoryIndexEntriesOf(document)) } as unknown as Record<string, unknown>);
}

function* candidateDocuments(state: MemoryState, plan: CandidatePlan): Generator<MemoryDocument> {
  if (plan.sets.length > 0 && plan.sets.every((set) => set.postings)) {
    yield* documentsOf(state, currentCandidates(state, plan));
    return;
  }
  if (plan.sets.length > 0) {
    for (const id of candidateIds(plan, state.tombstones)) yield state.records.get(id)!.document;
    return;
  }
  for (const record of state.records.values()) {
    if (!(plan.excludeDeleted && record.document.deleted)) yield record.document;
  }
}

/** The candidates of a plan made of posting lists only, less deletions when the plan excludes them. */
function currentCandidates(state: MemoryState, plan: CandidatePlan): number[] | Uint32Array {
  const all = postingCandidateNumbers(plan);
  if (!plan.excludeDeleted) return all;
  const numbers: number[] = [];
  for (let i = 0; i < all.length; i++) if (!state.isDeleted(all[i])) numbers.push(all[i]);
  return numbers;
}

/**
 * The numbers, in order, of the documents in every one of the plan's sets (all views over posting lists): the
 * smallest set's own array when it is the only one (no copy), else its numbers found in every other set.
 */
export function postingCandidateNumbers(plan: CandidatePlan): Uint32Array | number[] {
  const [smallest, ...others] = [...plan.sets].sort((a, b) => a.size - b.size).map((set) => set.postings!);
  if (smallest.length === 1 && others.length === 0) return smallest[0].view();
  const numbers: number[] = [];
  for (const list of smallest) {
    const listed = list.view();
    for (let i = 0; i < listed.length; i++) if (inEvery(others, listed[i])) numbers.push(listed[i]);
  }
  // The lists of a set over several types are each in order, not together.
  if (smallest.length > 1) numbers.sort((a, b) => a - b);
  return numbers;
}

/**
 * Candidates that are one list and this many or fewer get aligned columns (MemoryState.alignedColumn): 1.6 MB for a
 * date column at most, and a larger list is dense enough in its type that it reads the column nearly in sequence.
 */
const ALIGNED_MAX_CANDIDATES = 100_000;

/**
 * The one posting list whose view postingCandidateNumbers gives, when the plan's candidates are exactly that and
 * few enough to align columns to.
 */
export function alignableList(plan: CandidatePlan): PostingList | undefined {
  const lists = plan.sets.length === 1 ? plan.sets[0].postings : undefined;
  return lists?.length === 1 && lists[0].size <= ALIGNED_MAX_CANDIDATES ? lists[0] : undefined;
}

/** Whether n is in every set, each given as its posting lists (a set over several types has one per type). */
function inEvery(sets: readonly (readonly PostingList[])[], n: number): boolean {
  for (const lists of sets) {
    let found = false;
    for (const list of lists) if ((found = list.has(n))) break;
    if (!found) return false;
  }
  return true;
}

export function typeOf(filter: Filter): string | undefined {
  return typeof filter.type === 'string' ? filter.type : undefined;
}

export function indexLookups(state: MemoryState): IndexLookups {
  return {
    lookup: (field, key, type) => state.index.lookup(field, key, type),
    lookupIds: (documentIds) => state.index.documents(documentIds),
    lookupTypedIds: (type, ids) => state.index.numbered(state.numbersOf(type, ids)),
    lookupNumbers: (numbers) => state.index.numbered(numbers),
    tombstones: state.tombstones,
  };
}
