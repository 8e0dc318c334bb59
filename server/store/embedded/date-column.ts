/**
 * One date parameter of one resource type as a column: for each document number, the bounds (epoch ms) of the
 * document's one entry of the parameter, or a mark that it has none or several, in one typed array. A date search
 * over 40,000 candidates picked by a token then reads 16 adjacent bytes per candidate, instead of reaching each
 * candidate's record, document and packed entries (four or five cache misses each at a million resources). The
 * count of entries lives in the same 16 bytes as the bounds, not in an array of its own: at a million resources
 * every separate array read by number is one more cache miss per candidate (a third of the search's time).
 * Built when a search first needs it, then kept up to date by every write of the type (memory-state.ts).
 */
import { PackedEntries } from './packed-entries.ts';
import type { MemoryDocument } from './memory-state.ts';
import { capacityFor, grownTo } from './typed-arrays.ts';

/** How many entries of the parameter a document has: none, one, or several (then its document is tested). */
export const NO_ENTRY = 0;
export const ONE_ENTRY = 1;
export const SEVERAL_ENTRIES = 2;

/**
 * The `hi` of a document without exactly one entry: no entry's bound is -Infinity (a bound is a date's epoch ms,
 * or NaN when the entry has none), and its `lo` then says which (NO_ENTRY or SEVERAL_ENTRIES).
 */
const NOT_ONE = -Infinity;

export class DateColumn {
  /** `lo` then `hi` of document n's one entry at 2n and 2n + 1 (NaN where the entry has no such bound). */
  private bounds = new Float64Array(0);

  constructor(readonly code: string) {}

  /** How many entries of the parameter document n has. */
  entriesOf(n: number): number {
    return DateColumn.isNotOne(this.hi(n)) ? this.lo(n) : ONE_ENTRY;
  }

  /** The `lo` of document n's one entry; when `hi(n)` is the NOT_ONE mark, how many entries it has. */
  lo(n: number): number {
    return 2 * n < this.bounds.length ? this.bounds[2 * n] : NO_ENTRY;
  }

  hi(n: number): number {
    return 2 * n < this.bounds.length ? this.bounds[2 * n + 1] : NOT_ONE;
  }

  /** Whether a `hi(n)` read says that document n has not exactly one entry (see entriesOf). */
  static isNotOne(hi: number): boolean {
    return hi === NOT_ONE;
  }

  /**
   * This column's entries of the listed documents, slot i holding those of document numbers[i]: a search over the
   * same token's candidates reads them again in sequence, 16 bytes after 16 bytes, instead of one cache line (and,
   * at a million resources, often one page) of the whole column per candidate. A copy, never noted: valid until
   * the next write of the type.
   */
  alignedTo(numbers: ArrayLike<number>): DateColumn {
    const aligned = new DateColumn(this.code);
    aligned.bounds = new Float64Array(2 * numbers.length);
    for (let i = 0; i < numbers.length; i++) {
      aligned.bounds[2 * i] = this.lo(numbers[i]);
      aligned.bounds[2 * i + 1] = this.hi(numbers[i]);
    }
    return aligned;
  }

  /** Takes in document n's current version (a deleted one has no entries). */
  note(n: number, document: MemoryDocument): void {
    if (2 * n >= this.bounds.length) this.grow(n);
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
    if (found !== 1) this.markNotOne(n, found === 0 ? NO_ENTRY : SEVERAL_ENTRIES);
  }

  private markNotOne(n: number, entries: number): void {
    this.bounds[2 * n] = entries;
    this.bounds[2 * n + 1] = NOT_ONE;
  }

  /** Documents of other types, and those not yet written, read as having no entry. */
  private grow(n: number): void {
    const grown = grownTo(this.bounds, 2 * capacityFor(n), (length) => new Float64Array(length));
    for (let i = this.bounds.length; i < grown.length; i += 2) {
      grown[i] = NO_ENTRY;
      grown[i + 1] = NOT_ONE;
    }
    this.bounds = grown;
  }
}
