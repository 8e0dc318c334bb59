/**
 * Keyset paging cursors for `next` / `previous` links (https://hl7.org/fhir/R4/http.html#paging). A cursor is an
 * opaque `_cursor` token holding the sort key values of the page's boundary match (its last for `next`, its first
 * for `previous`, always ending in `_id`), the sort it belongs to, and the instant of the first page. A page then
 * starts strictly after the boundary in sort order, so writes between page fetches never shift it the way an
 * offset does; resources created after the first page are left out of later pages.
 */
import type { Resource } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcomes.ts';
import type { Filter, StoredVersion } from '../store/types.ts';
import { extractIndexEntries } from './extract.ts';

type SortSpec = [string, 1 | -1][];
type SortValue = string | number | Date | null;

export interface PageCursor {
  /** The sort the cursor was made for (`-date,_id`); a cursor is refused under another sort. */
  sort: string;
  /** The boundary match's sort key values, one per sort key. */
  after: SortValue[];
  /** Epoch ms of the first page: resources created later are not paged through. */
  snapshot: number;
  /** Walks towards the start (a `previous` link). */
  backwards: boolean;
}

/** The cursor's sort signature of a compiled sort. */
export function sortSignature(sort: SortSpec): string {
  return sort.map(([path, dir]) => `${dir < 0 ? '-' : ''}${path}`).join(',');
}

export function encodeCursor(cursor: PageCursor): string {
  const after = cursor.after.map((v) => (v instanceof Date ? { d: v.getTime() } : v));
  return Buffer.from(JSON.stringify({ s: cursor.sort, a: after, t: cursor.snapshot, ...(cursor.backwards && { b: 1 }) })).toString('base64url');
}

/** Decodes a `_cursor` value; anything not made by encodeCursor is a 400. */
export function decodeCursor(token: string): PageCursor {
  const invalid = () => badRequest('_cursor is not a cursor this server made (follow the next/previous links as given)', '_cursor');
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { s, a, t, b } = (raw ?? {}) as Record<string, unknown>;
  if (typeof s !== 'string' || !Array.isArray(a) || typeof t !== 'number' || !Number.isFinite(t) || (b !== undefined && b !== 1)) throw invalid();
  const after = a.map((v: unknown): SortValue => {
    if (v === null || typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) return v;
    const d = (v as { d?: unknown } | undefined)?.d;
    if (typeof v === 'object' && Object.keys(v).length === 1 && typeof d === 'number' && Number.isFinite(d)) return new Date(d);
    throw invalid();
  });
  return { sort: s, after, snapshot: t, backwards: b === 1 };
}

/** The sort key values of a match, read the way the stored document holds them. */
export function sortValuesOf(version: StoredVersion, sort: SortSpec): SortValue[] {
  let index: ReturnType<typeof extractIndexEntries> | undefined;
  return sort.map(([path]) => {
    if (path === '_id') return `${version.type}/${version.id}`;
    if (path === 'id') return version.id;
    if (path === 'lastUpdated') return version.lastUpdated;
    const [field, code] = path.split('.') as ['srt' | 'srtHi', string];
    index ??= extractIndexEntries(JSON.parse(version.json) as Resource);
    return index[field][code] ?? null;
  });
}

/** The reverse of a sort: a `previous` page is read backwards from its boundary, then turned around. */
export function reverseSort(sort: SortSpec): SortSpec {
  return sort.map(([path, dir]) => [path, dir === 1 ? -1 : 1]);
}

/**
 * Documents strictly after `after` in `sort` order, in MongoDB's order (missing values first ascending, last
 * descending): `k1 > v1`, or `k1 = v1 and k2 > v2`, ... The last key is `_id`, so the order is total.
 */
export function compileAfter(sort: SortSpec, after: SortValue[]): Filter {
  const branches: Filter[] = [];
  for (let i = 0; i < sort.length; i++) {
    const beyond = beyondValue(sort[i][0], sort[i][1], after[i]);
    if (!beyond) continue;
    const equal = sort.slice(0, i).map(([path], j) => equalTo(path, after[j]));
    branches.push(equal.length === 0 ? beyond : { $and: [...equal, beyond] });
  }
  return branches.length === 0 ? { _id: { $in: [] } } : branches.length === 1 ? branches[0] : { $or: branches };
}

/** `lastUpdated <= snapshot`, or updated since (vid > 1): a resource that existed at the first page stays in. */
export function compileSnapshotBound(snapshot: number): Filter {
  return { $or: [{ lastUpdated: { $lte: new Date(snapshot) } }, { vid: { $gt: 1 } }] };
}

function equalTo(path: string, value: SortValue): Filter {
  return value === null ? { [path]: { $exists: false } } : { [path]: value };
}

function beyondValue(path: string, direction: 1 | -1, value: SortValue): Filter | undefined {
  if (direction === 1) return value === null ? { [path]: { $exists: true } } : { [path]: { $gt: value } };
  // Descending, missing values come last: after a missing value there is nothing more on this key.
  if (value === null) return undefined;
  return { $or: [{ [path]: { $lt: value } }, { [path]: { $exists: false } }] };
}
