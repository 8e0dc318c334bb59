/**
 * Stored versions in the order they were committed, and paging over them newest first by lastUpdated
 * (https://hl7.org/fhir/R4/http.html#history). Versions are normally committed in lastUpdated order, so a page is
 * two binary searches and a slice; if a caller ever committed an older timestamp after a newer one, the list
 * falls back to sorting the matching versions.
 */

/** One stored version; its body stays serialized until a caller reads it. */
export interface VersionEntry {
  type: string;
  id: string;
  vid: number;
  /** Epoch milliseconds (see record-codec.ts). */
  lastUpdated: number;
  deleted: boolean;
  json: string;
}

export interface VersionPageQuery {
  since?: Date;
  before?: Date;
  skip?: number;
  limit: number;
}

export class VersionList {
  private readonly entries: VersionEntry[] = [];
  private inTimeOrder = true;

  push(entry: VersionEntry): void {
    const last = this.entries[this.entries.length - 1];
    if (last && entry.lastUpdated < last.lastUpdated) this.inTimeOrder = false;
    this.entries.push(entry);
  }

  get length(): number {
    return this.entries.length;
  }

  /** Oldest committed first: the order a snapshot keeps them in. */
  values(): readonly VersionEntry[] {
    return this.entries;
  }

  page(query: VersionPageQuery): { versions: VersionEntry[]; total: number } {
    return pageVersions(this.entries, query, this.inTimeOrder);
  }
}

/** Newest first; among equal timestamps, the later commit first. */
export function pageVersions(
  committedOrder: readonly VersionEntry[],
  query: VersionPageQuery,
  inTimeOrder = isInTimeOrder(committedOrder),
): { versions: VersionEntry[]; total: number } {
  const skip = query.skip ?? 0;
  if (!inTimeOrder) {
    const matching = committedOrder.filter((v) => inRange(v, query)).reverse();
    matching.sort((a, b) => b.lastUpdated - a.lastUpdated); // stable: ties keep later-commit-first
    return { versions: matching.slice(skip, skip + query.limit), total: matching.length };
  }
  const from = query.since ? firstAtOrAfter(committedOrder, query.since.getTime()) : 0;
  const to = query.before ? firstAtOrAfter(committedOrder, query.before.getTime()) : committedOrder.length;
  const versions: VersionEntry[] = [];
  for (let i = to - 1 - skip; i >= from && versions.length < query.limit; i--) versions.push(committedOrder[i]);
  return { versions, total: Math.max(0, to - from) };
}

function inRange(version: VersionEntry, query: VersionPageQuery): boolean {
  const time = version.lastUpdated;
  if (query.since && time < query.since.getTime()) return false;
  if (query.before && time >= query.before.getTime()) return false;
  return true;
}

function isInTimeOrder(versions: readonly VersionEntry[]): boolean {
  for (let i = 1; i < versions.length; i++) {
    if (versions[i].lastUpdated < versions[i - 1].lastUpdated) return false;
  }
  return true;
}

function firstAtOrAfter(versions: readonly VersionEntry[], time: number): number {
  let low = 0;
  let high = versions.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (versions[middle].lastUpdated < time) low = middle + 1;
    else high = middle;
  }
  return low;
}
