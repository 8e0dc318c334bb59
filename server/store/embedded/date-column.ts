/**
 * One date parameter of one resource type as a column: for each document number, whether the document has no
 * entry of the parameter, one, or several, and the one entry's bounds (epoch ms) in a typed array. A date search
 * over 40,000 candidates picked by a token then tests two numbers per candidate in one array, instead of reaching
 * each candidate's record, document and packed entries (four or five cache misses each at a million resources).
 * Built when a search first needs it, then kept up to date by every write of the type (memory-state.ts).
 */
import { PackedEntries } from './packed-entries.ts';
import type { MemoryDocument } from './memory-state.ts';
import { capacityFor, grownTo } from './typed-arrays.ts';

/** How many entries of the parameter a document has: none, one, or several (then its document is tested). */
export const NO_ENTRY = 0;
export const ONE_ENTRY = 1;
export const SEVERAL_ENTRIES = 2;

export class DateColumn {
  private entries = new Uint8Array(0);
  /** `lo` then `hi` of document n's one entry at 2n and 2n + 1 (NaN where the entry has no such bound). */
  private bounds = new Float64Array(0);

  constructor(readonly code: string) {}

  /** How many entries of the parameter document n has. */
  entriesOf(n: number): number {
    return n < this.entries.length ? this.entries[n] : NO_ENTRY;
  }

  lo(n: number): number {
    return this.bounds[2 * n];
  }

  hi(n: number): number {
    return this.bounds[2 * n + 1];
  }

  /** Takes in document n's current version (a deleted one has no entries). */
  note(n: number, document: MemoryDocument): void {
    if (n >= this.entries.length) this.grow(n);
    const dt = document.deleted ? undefined : document.dt;
    let found = 0;
    if (dt instanceof PackedEntries) {
      dt.forEachDate((p, lo, hi) => {
        if (p !== this.code) return;
        if (found++ === 0) {
          this.bounds[2 * n] = typeof lo === 'number' ? lo : NaN;
          this.bounds[2 * n + 1] = typeof hi === 'number' ? hi : NaN;
        }
      });
    }
    this.entries[n] = found === 0 ? NO_ENTRY : found === 1 ? ONE_ENTRY : SEVERAL_ENTRIES;
  }

  private grow(n: number): void {
    const capacity = capacityFor(n);
    this.entries = grownTo(this.entries, capacity, (length) => new Uint8Array(length));
    this.bounds = grownTo(this.bounds, 2 * capacity, (length) => new Float64Array(length));
  }
}
