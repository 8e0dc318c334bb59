/**
 * The documents of one type kept in one sort order (for example `Observation` by `srtHi.date` descending, then
 * `_id`), so the first page of a selective sorted search walks the order until the page is full instead of
 * computing the sort values of every candidate. Built on first use; writes go to a small sorted side list that is
 * merged in once it grows, and entries whose document was replaced since are skipped on the way.
 */
import { sortTuples, type SortSpec } from './document-sort.ts';
import type { MemoryDocument } from './memory-state.ts';

/** Writes kept aside before they are merged into the main order (a linear merge). */
const SIDE_MERGE = 4096;
/** Without a search to merge them, more writes than this drop the order; the next search rebuilds it. */
const SIDE_LIMIT = 65_536;

interface Entry {
  document: MemoryDocument;
  values: unknown[];
}

export class SortedOrder {
  private main: MemoryDocument[];
  private side: Entry[] = [];
  private readonly valuesOf: (document: object) => unknown[];
  private readonly compareValues: (a: unknown[], b: unknown[]) => number;

  /** `current` answers the current document of an `_id`, to tell replaced entries. */
  constructor(
    sort: SortSpec,
    documents: Iterable<MemoryDocument>,
    private readonly current: (documentId: string) => MemoryDocument | undefined,
  ) {
    ({ valuesOf: this.valuesOf, compareValues: this.compareValues } = sortTuples(sort));
    const entries: Entry[] = [];
    for (const document of documents) if (!document.deleted) entries.push({ document, values: this.valuesOf(document) });
    entries.sort((a, b) => this.compareValues(a.values, b.values));
    this.main = entries.map((e) => e.document);
  }

  /** Takes a new document version in; false when the order should be dropped (too many writes unmerged). */
  noteWrite(document: MemoryDocument): boolean {
    if (document.deleted) return true; // its older entry is skipped as replaced
    const entry = { document, values: this.valuesOf(document) };
    this.side.splice(this.position(this.side, entry.values), 0, entry);
    return this.side.length <= SIDE_LIMIT;
  }

  /** The current documents in order. Do not write while walking. */
  walk(): Generator<MemoryDocument> {
    if (this.side.length > SIDE_MERGE) this.merge();
    return this.inOrder();
  }

  private *inOrder(): Generator<MemoryDocument> {
    const { main, side } = this;
    let m = 0;
    let s = 0;
    while (m < main.length || s < side.length) {
      let document: MemoryDocument;
      if (s >= side.length || (m < main.length && this.compareValues(this.valuesOf(main[m]), side[s].values) <= 0)) document = main[m++];
      else document = side[s++].document;
      if (this.current(document._id) === document) yield document;
    }
  }

  private merge(): void {
    const merged: MemoryDocument[] = [];
    for (const document of this.inOrder()) merged.push(document);
    this.main = merged;
    this.side = [];
  }

  private position(entries: Entry[], values: unknown[]): number {
    let lo = 0;
    let hi = entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compareValues(entries[mid].values, values) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
