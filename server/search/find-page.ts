/**
 * One page of matches, by offset (`_offset`, as clients that send it expect) or by keyset cursor (the links this
 * server gives, see cursor.ts). One match more than the page is read to tell whether a next page exists.
 * https://hl7.org/fhir/R4/http.html#paging
 */
import { badRequest } from '../fhir/outcomes.ts';
import type { Filter, Store, StoredVersion } from '../store/types.ts';
import { compileAfter, compileSnapshotBound, encodeCursor, reverseSort, sortSignature, sortValuesOf } from './cursor.ts';
import type { SearchRequest } from './search-request.ts';

type SortSpec = [string, 1 | -1][];

export interface FoundPage {
  matches: StoredVersion[];
  cursors?: { next?: string; previous?: string };
  /** The filter the total counts (a cursor page counts within the first page's snapshot). */
  totalFilter: Filter;
}

/** The page a request asks for. */
export async function findPage(store: Store, request: SearchRequest, filter: Filter, sort: SortSpec): Promise<FoundPage> {
  const { cursor, count } = request;
  const link = (version: StoredVersion | undefined, snapshot: number, backwards: boolean) =>
    version && encodeCursor({ sort: sortSignature(sort), after: sortValuesOf(version, sort), snapshot, backwards });
  if (!cursor) {
    const snapshot = Date.now();
    const found = await store.find({ filter, sort, skip: request.offset, limit: pageLimit(count) });
    const matches = found.slice(0, count);
    if (request.offsetRequested || found.length <= count) return { matches, totalFilter: filter };
    return { matches, cursors: { next: link(matches.at(-1), snapshot, false) }, totalFilter: filter };
  }
  if (cursor.sort !== sortSignature(sort)) throw badRequest('_cursor was made for another _sort; follow the links as given', '_cursor');
  const bounded = allOf(filter, compileSnapshotBound(cursor.snapshot));
  const order = cursor.backwards ? reverseSort(sort) : sort;
  const found = await store.find({ filter: allOf(bounded, compileAfter(order, cursor.after)), sort: order, limit: pageLimit(count) });
  const more = found.length > count;
  const matches = found.slice(0, count);
  if (!cursor.backwards) {
    return {
      matches,
      cursors: { next: more ? link(matches.at(-1), cursor.snapshot, false) : undefined, previous: link(matches[0], cursor.snapshot, true) },
      totalFilter: bounded,
    };
  }
  matches.reverse();
  if (more) {
    return { matches, cursors: { next: link(matches.at(-1), cursor.snapshot, false), previous: link(matches[0], cursor.snapshot, true) }, totalFilter: bounded };
  }
  // Back at the start: the first page, full, with no previous link.
  const first = await store.find({ filter: bounded, sort, limit: pageLimit(count) });
  const firstPage = first.slice(0, count);
  return { matches: firstPage, cursors: { next: first.length > count ? link(firstPage.at(-1), cursor.snapshot, false) : undefined }, totalFilter: bounded };
}

function allOf(filter: Filter, condition: Filter): Filter {
  const and = Array.isArray(filter.$and) ? (filter.$and as Filter[]) : [];
  return { ...filter, $and: [...and, condition] };
}

/** One more than the page, to tell whether there is a next one (callers that want everything pass a huge count). */
function pageLimit(count: number): number {
  return Math.min(count + 1, Number.MAX_SAFE_INTEGER);
}
