/**
 * The reference keys of one resource type's documents that start with one prefix (`patient|`: whom each
 * Observation is about) as a column: for each document number, whether it has no such key, one, or several, and
 * the one key as a number into the column's table of keys. A `_has` cohort over 40,000 matching Observations then
 * collects their Patients from a typed array instead of walking each match's reference list (a record, a
 * document and a list reached per match). Built when a search first needs it, then kept up to date by every
 * write of the type (memory-state.ts).
 */
import { NO_ENTRY, ONE_ENTRY, SEVERAL_ENTRIES } from './date-column.ts';
import type { MemoryDocument } from './memory-state.ts';
import { capacityFor, grownTo } from './typed-arrays.ts';

export class ReferenceColumn {
  private entries = new Uint8Array(0);
  private keyNumbers = new Uint32Array(0);
  /** The distinct keys seen, numbered in the order first seen (a key stays numbered after its documents change). */
  private readonly keys: string[] = [];
  private readonly numberOfKey = new Map<string, number>();

  constructor(readonly prefix: string) {}

  /** How many keys with the prefix document n has. */
  entriesOf(n: number): number {
    return n < this.entries.length ? this.entries[n] : NO_ENTRY;
  }

  /** The number of document n's one key (see keyOf). */
  keyNumberOf(n: number): number {
    return this.keyNumbers[n];
  }

  keyOf(keyNumber: number): string {
    return this.keys[keyNumber];
  }

  get keyCount(): number {
    return this.keys.length;
  }

  /** Takes in document n's current version (a deleted one has no keys). */
  note(n: number, document: MemoryDocument): void {
    if (n >= this.entries.length) this.grow(n);
    let found = 0;
    if (!document.deleted) {
      for (const key of document.ref) {
        if (!key.startsWith(this.prefix)) continue;
        if (found++ === 0) this.keyNumbers[n] = this.numberKey(key);
      }
    }
    this.entries[n] = found === 0 ? NO_ENTRY : found === 1 ? ONE_ENTRY : SEVERAL_ENTRIES;
  }

  private numberKey(key: string): number {
    let number = this.numberOfKey.get(key);
    if (number === undefined) {
      number = this.keys.push(key) - 1;
      this.numberOfKey.set(key, number);
    }
    return number;
  }

  private grow(n: number): void {
    const capacity = capacityFor(n);
    this.entries = grownTo(this.entries, capacity, (length) => new Uint8Array(length));
    this.keyNumbers = grownTo(this.keyNumbers, capacity, (length) => new Uint32Array(length));
  }
}
