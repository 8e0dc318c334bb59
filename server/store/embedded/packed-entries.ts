/**
 * A document's named index entries (`num`, `dt`, `str`, `uri`, `txt`: objects like `{p, v, sys, code}`) packed into
 * two flat arrays, one of strings and one of numbers. An Observation has about sixteen quantity entries (value,
 * combo value, composites under each token form, each also in its canonical unit); as objects with boxed numbers
 * they cost ~1.4 KB, packed ~0.5 KB. The filter predicate tests them through one reused view object
 * (`some`), so evaluating `$elemMatch` allocates nothing per entry; `toArray` gives plain objects back.
 */

/**
 * The string-valued and number-valued fields of each kind of entry, and the order IndexCoder writes an entry's
 * fields in (coded-index.ts).
 */
const LAYOUTS = {
  num: { strings: ['p', 'sys', 'code'], numbers: ['v'], coded: ['p', 'v', 'sys', 'code'] },
  dt: { strings: ['p'], numbers: ['lo', 'hi'], coded: ['p', 'lo', 'hi'] },
  str: { strings: ['p', 'v'], numbers: [], coded: ['p', 'v'] },
  uri: { strings: ['p', 'v'], numbers: [], coded: ['p', 'v'] },
  txt: { strings: ['p', 'v'], numbers: [], coded: ['p', 'v'] },
} as const;

export type PackedKind = keyof typeof LAYOUTS;

/** Where one field of every entry sits: in the strings or the numbers, at `offset` within each entry's stride. */
export interface Slot {
  numeric: boolean;
  offset: number;
}

/** A test of one field's value, at its slot. */
export interface SlotTest extends Slot {
  test(value: unknown): boolean;
}
type Entry = Record<string, unknown>;

export class PackedEntries {
  private constructor(
    private readonly kind: PackedKind,
    private readonly strings: (string | undefined)[],
    private readonly numbers: number[],
    readonly length: number,
  ) {}

  /** Packs entries; `share` keeps repeated strings (parameter names, units) once. */
  static pack(kind: PackedKind, entries: readonly Entry[], share: (s: string | undefined) => string | undefined): PackedEntries {
    const layout = LAYOUTS[kind];
    // Exact-size arrays: a pushed array keeps spare capacity, and a numbers-only array stores doubles unboxed.
    const strings = new Array<string | undefined>(entries.length * layout.strings.length);
    const numbers = new Array<number>(entries.length * layout.numbers.length);
    entries.forEach((entry, i) => {
      layout.strings.forEach((name, j) => (strings[i * layout.strings.length + j] = share(entry[name] as string | undefined)));
      layout.numbers.forEach((name, j) => (numbers[i * layout.numbers.length + j] = entry[name] as number));
    });
    return new PackedEntries(kind, strings, numbers, entries.length);
  }

  /** True when `test` holds for an entry. The entry passed is one reused object: `test` must not keep it. */
  some(test: (entry: Entry) => boolean): boolean {
    const view: Entry = {};
    for (let i = 0; i < this.length; i++) {
      this.fill(view, i);
      if (test(view)) return true;
    }
    return false;
  }

  /** The slot of `name` in the entries of the document field `field` (`dt`, `num`, ...), if it is a packed field. */
  static slotOf(field: string, name: string): Slot | undefined {
    const layout = Object.hasOwn(LAYOUTS, field) ? LAYOUTS[field as PackedKind] : undefined;
    if (!layout) return undefined;
    const inStrings = (layout.strings as readonly string[]).indexOf(name);
    if (inStrings >= 0) return { numeric: false, offset: inStrings };
    const inNumbers = (layout.numbers as readonly string[]).indexOf(name);
    return inNumbers >= 0 ? { numeric: true, offset: inNumbers } : undefined;
  }

  /** True when some entry passes every slot test (as `some` with a test of those fields, without filling a view). */
  someWithSlots(tests: readonly SlotTest[]): boolean {
    const layout = LAYOUTS[this.kind];
    const stringStride = layout.strings.length;
    const numberStride = layout.numbers.length;
    entries: for (let i = 0; i < this.length; i++) {
      for (const slot of tests) {
        const value = slot.numeric ? this.numbers[i * numberStride + slot.offset] : this.strings[i * stringStride + slot.offset];
        if (!slot.test(value)) continue entries;
      }
      return true;
    }
    return false;
  }

  /** Calls `visit` with the parameter and bounds of each `dt` entry (date-column.ts). */
  forEachDate(visit: (p: string | undefined, lo: number | undefined, hi: number | undefined) => void): void {
    if (this.kind !== 'dt') throw new Error(`packed ${this.kind} entries hold no dates`);
    for (let i = 0; i < this.length; i++) visit(this.strings[i], this.numbers[2 * i], this.numbers[2 * i + 1]);
  }

  /** The entries as IndexCoder codes them (coded-index.ts): each field in its coded order, a string as its id. */
  coded(idOf: (value: string | undefined) => number): number[] {
    const layout = LAYOUTS[this.kind];
    const slots = CODED_SLOTS[this.kind];
    const flat: number[] = [];
    for (let i = 0; i < this.length; i++) {
      for (const slot of slots) {
        flat.push(slot.numeric ? this.numbers[i * layout.numbers.length + slot.offset] : idOf(this.strings[i * layout.strings.length + slot.offset]));
      }
    }
    return flat;
  }

  /** The entries as plain objects (absent fields left out), for mingo. */
  toArray(): Entry[] {
    const entries: Entry[] = [];
    for (let i = 0; i < this.length; i++) {
      const entry: Entry = {};
      this.fill(entry, i);
      for (const name of Object.keys(entry)) if (entry[name] === undefined) delete entry[name];
      entries.push(entry);
    }
    return entries;
  }

  private fill(entry: Entry, i: number): void {
    const layout = LAYOUTS[this.kind];
    for (let j = 0; j < layout.strings.length; j++) entry[layout.strings[j]] = this.strings[i * layout.strings.length + j];
    for (let j = 0; j < layout.numbers.length; j++) entry[layout.numbers[j]] = this.numbers[i * layout.numbers.length + j];
  }
}

/** Each kind's slots in the order IndexCoder writes an entry's fields (LAYOUTS.coded). */
const CODED_SLOTS = Object.fromEntries(
  (Object.keys(LAYOUTS) as PackedKind[]).map((kind) => [kind, LAYOUTS[kind].coded.map((name) => PackedEntries.slotOf(kind, name)!)]),
) as Record<PackedKind, Slot[]>;
