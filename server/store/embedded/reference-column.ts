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

/**
 * What keyNumbers holds for a document without exactly one key: numbers no key gets. The count of keys shares the
 * key number's array (at a million resources a second array read per match is a second cache miss).
 */
const NO_KEY = 0xffffffff;
const SEVERAL_KEYS = 0xfffffffe;

/** In a key's target cache (targetOf): not looked up yet, or no document of the type when it was. */
const UNRESOLVED = 0xffffffff;

export class ReferenceColumn {
  /** Document n's one key as a number (see keyOf), or NO_KEY, or SEVERAL_KEYS. */
  private keyNumbers = new Uint32Array(0);
  /** The distinct keys seen, numbered in the order first seen (a key stays numbered after its documents change). */
  private keys: string[] = [];
  private readonly numberOfKey = new Map<string, number>();
  /**
   * Per target type, each key's target document number once looked up (see targetOf). A number, once a target
   * has it, stays that document's (MemoryState never renumbers), so it is never invalidated.
   */
  private readonly targetsByType = new Map<string, Uint32Array>();

  constructor(readonly prefix: string) {}

  /** How many keys with the prefix document n has. */
  entriesOf(n: number): number {
    const keyNumber = this.keyNumberOf(n);
    return keyNumber === NO_KEY ? NO_ENTRY : keyNumber === SEVERAL_KEYS ? SEVERAL_ENTRIES : ONE_ENTRY;
  }

  /** The number of document n's one key (see keyOf); NO_KEY or SEVERAL_KEYS (see isKey) when it has not one. */
  keyNumberOf(n: number): number {
    return n < this.keyNumbers.length ? this.keyNumbers[n] : NO_KEY;
  }

  /** Whether a keyNumberOf() is a key's number. */
  static isKey(keyNumber: number): boolean {
    return keyNumber < SEVERAL_KEYS;
  }

  keyOf(keyNumber: number): string {
    return this.keys[keyNumber];
  }

  /**
   * The number of the `targetType` document that key `keyNumber` names, looked up by `resolve` the first time it
   * is asked for (and again while there is none: a key naming another type, or a target not written yet).
   */
  targetOf(keyNumber: number, targetType: string, resolve: (key: string) => number | undefined): number | undefined {
    let targets = this.targetsByType.get(targetType);
    if (!targets || keyNumber >= targets.length) {
      const grown = new Uint32Array(capacityFor(this.keys.length)).fill(UNRESOLVED);
      if (targets) grown.set(targets);
      this.targetsByType.set(targetType, (targets = grown));
    }
    if (targets[keyNumber] !== UNRESOLVED) return targets[keyNumber];
    const found = resolve(this.keys[keyNumber]);
    if (found !== undefined) targets[keyNumber] = found;
    return found;
  }

  get keyCount(): number {
    return this.keys.length;
  }

  /** This column's keys of the listed documents, slot i holding document numbers[i]'s (as DateColumn.alignedTo). */
  alignedTo(numbers: ArrayLike<number>): ReferenceColumn {
    const aligned = new ReferenceColumn(this.prefix);
    aligned.keyNumbers = new Uint32Array(numbers.length);
    for (let i = 0; i < numbers.length; i++) aligned.keyNumbers[i] = this.keyNumberOf(numbers[i]);
    // The key table is shared: an aligned column is never noted, so it adds no key.
    aligned.keys = this.keys;
    return aligned;
  }

  /** Takes in document n's current version (a deleted one has no keys). */
  note(n: number, document: MemoryDocument): void {
    if (n >= this.keyNumbers.length) this.grow(n);
    let found = 0;
    let keyNumber = NO_KEY;
    if (!document.deleted) {
      for (const key of document.ref) {
        if (!key.startsWith(this.prefix)) continue;
        if (found++ === 0) keyNumber = this.numberKey(key);
      }
    }
    this.keyNumbers[n] = found > 1 ? SEVERAL_KEYS : keyNumber;
  }

  private numberKey(key: string): number {
    let number = this.numberOfKey.get(key);
    if (number === undefined) {
      number = this.keys.push(key) - 1;
      this.numberOfKey.set(key, number);
    }
    return number;
  }

  /** Documents of other types, and those not yet written, read as having no key. */
  private grow(n: number): void {
    const length = this.keyNumbers.length;
    this.keyNumbers = grownTo(this.keyNumbers, capacityFor(n), (capacity) => new Uint32Array(capacity));
    this.keyNumbers.fill(NO_KEY, length);
  }
}
