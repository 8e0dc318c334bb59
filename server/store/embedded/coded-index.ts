/**
 * Index entries coded against a table of the strings that a batch of them uses: an ingest's batch of ~500
 * resources uses ~2,000 distinct strings ("code|http://loinc.org|8302-2", "Patient/…", parameter names, units)
 * about 25,000 times. Each resource's entries become a JSON array of numbers (string ids and the numbers
 * themselves), the strings are written once per batch, and the journal record of the batch's commit holds them as
 * they came (record-codec.ts). Against JSON of the entries as objects: ~6× fewer bytes to post between threads,
 * frame and sync, and the committing thread parses each string once per batch instead of once per use.
 *
 * A coded resource: [compartments, tok, ref, str, dt, num, uri, txt, srt, srtHiForm, srtHi], each list flat:
 *   compartments, tok, ref   string ids
 *   str, uri, txt            p, v per entry (ids)
 *   dt                       p (id), lo, hi (epoch ms) per entry
 *   num                      p (id), v, sys (id or -1), code (id or -1) per entry
 *   srt, srtHi               name (id), then 0 and a string id or 1 and a number, per key (in the entries' order)
 *   srtHiForm                0: srtHi is srt; 1: srtHi lists only the keys that differ (srtHiDiff); 2: srtHi whole
 * Numbers that JSON cannot hold (NaN, ±Infinity) are written as null, as JSON.stringify writes them.
 */
import type { IndexEntries } from '../types.ts';
import type { MemoryDocument, PackedField } from './memory-state.ts';
import { PackedEntries } from './packed-entries.ts';
import { journaledSrtHi } from './journaled-sort-keys.ts';
import type { JournaledIndexEntries } from './record-codec.ts';

const ABSENT = -1;
const SAME_AS_SRT = 0;
const DIFF = 1;
const WHOLE = 2;

type SortKeys = JournaledIndexEntries['srt'];

/** Codes the index entries of one batch against the batch's own string table. */
export class IndexCoder {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];

  /**
   * The entries, in the form the journal holds them (toJournaledIndexEntries), as the coded JSON array. Built as
   * arrays and stringified, so the string is flat: one made by appending would be a rope of hundreds of pieces, each
   * copied by every scavenge while the batch waits to be posted (worker scavenges took twice as long that way).
   */
  code(entries: JournaledIndexEntries): string {
    return JSON.stringify([
      this.idList(entries.compartments),
      this.idList(entries.tok),
      this.idList(entries.ref),
      this.pairs(entries.str),
      this.dates(entries.dt),
      this.numbers(entries.num),
      this.pairs(entries.uri),
      this.pairs(entries.txt),
      ...this.sortKeyLists(entries),
    ]);
  }

  /** A stored document's entries as code() codes them, taken from its packed entries as they are (the snapshot). */
  codeDocument(document: MemoryDocument): string {
    const idOf = (value: string | undefined) => this.id(value);
    const packed = (field: PackedField) => (field instanceof PackedEntries ? field.coded(idOf) : []);
    return JSON.stringify([
      this.idList(document.compartments),
      this.idList(document.tok),
      this.idList(document.ref),
      packed(document.str),
      packed(document.dt),
      packed(document.num),
      packed(document.uri),
      packed(document.txt),
      ...this.sortKeyLists({ srt: document.srt, ...journaledSrtHi(document.srt, document.srtHi) }),
    ]);
  }

  /** JSON of the table: the strings by id. */
  tableJson(): string {
    return JSON.stringify(this.strings);
  }

  private id(value: string | undefined): number {
    if (value === undefined) return ABSENT;
    let id = this.ids.get(value);
    if (id === undefined) {
      id = this.strings.push(value) - 1;
      this.ids.set(value, id);
    }
    return id;
  }

  private idList(values: readonly string[]): number[] {
    const ids = new Array<number>(values.length);
    for (let i = 0; i < values.length; i++) ids[i] = this.id(values[i]);
    return ids;
  }

  private pairs(entries: readonly { p: string; v: string }[]): number[] {
    const flat: number[] = [];
    for (const e of entries) flat.push(this.id(e.p), this.id(e.v));
    return flat;
  }

  private dates(entries: JournaledIndexEntries['dt']): number[] {
    const flat: number[] = [];
    for (const e of entries) flat.push(this.id(e.p), e.lo, e.hi);
    return flat;
  }

  private numbers(entries: IndexEntries['num']): number[] {
    const flat: number[] = [];
    for (const e of entries) flat.push(this.id(e.p), e.v, this.id(e.sys), this.id(e.code));
    return flat;
  }

  /** srt, srtHi's form and srtHi (coded as in the layout above). */
  private sortKeyLists(entries: Pick<JournaledIndexEntries, 'srt' | 'srtHi' | 'srtHiDiff'>): [number[], number, number[]] {
    const hi = entries.srtHiDiff ?? entries.srtHi;
    const hiForm = entries.srtHiDiff ? DIFF : entries.srtHi ? WHOLE : SAME_AS_SRT;
    return [this.sortKeys(entries.srt), hiForm, hi ? this.sortKeys(hi) : []];
  }

  private sortKeys(keys: SortKeys): number[] {
    const flat: number[] = [];
    for (const name in keys) {
      const value = keys[name];
      if (typeof value === 'string') flat.push(this.id(name), 0, this.id(value));
      else flat.push(this.id(name), 1, value);
    }
    return flat;
  }
}

/** The entries of one coded resource (IndexCoder.code), with the strings of its batch's table. */
export function decodeIndexEntries(strings: readonly string[], coded: string): JournaledIndexEntries {
  return decodeCodedLists(strings, JSON.parse(coded) as CodedLists);
}

/** A coded resource's entries as JSON.parse gives them (a snapshot holds them inside its version headers). */
export type CodedLists = [number[], number[], number[], number[], number[], number[], number[], number[], number[], number, number[]];

/** decodeIndexEntries of entries already parsed. */
export function decodeCodedLists(strings: readonly string[], lists: CodedLists): JournaledIndexEntries {
  const [compartments, tok, ref, str, dt, num, uri, txt, srt, hiForm, hi] = lists;
  const entries: JournaledIndexEntries = {
    compartments: idsToStrings(strings, compartments),
    tok: idsToStrings(strings, tok),
    ref: idsToStrings(strings, ref),
    str: pairsOf(strings, str),
    dt: datesOf(strings, dt),
    num: numbersOf(strings, num),
    uri: pairsOf(strings, uri),
    txt: pairsOf(strings, txt),
    srt: sortKeysOf(strings, srt),
  };
  if (hiForm === DIFF) entries.srtHiDiff = sortKeysOf(strings, hi);
  else if (hiForm === WHOLE) entries.srtHi = sortKeysOf(strings, hi);
  return entries;
}

function idsToStrings(strings: readonly string[], ids: readonly number[]): string[] {
  const values = new Array<string>(ids.length);
  for (let i = 0; i < ids.length; i++) values[i] = strings[ids[i]];
  return values;
}

function pairsOf(strings: readonly string[], flat: readonly number[]): { p: string; v: string }[] {
  const entries = new Array<{ p: string; v: string }>(flat.length / 2);
  for (let i = 0, j = 0; i < flat.length; i += 2, j++) entries[j] = { p: strings[flat[i]], v: strings[flat[i + 1]] };
  return entries;
}

function datesOf(strings: readonly string[], flat: readonly number[]): JournaledIndexEntries['dt'] {
  const entries = new Array<JournaledIndexEntries['dt'][number]>(flat.length / 3);
  for (let i = 0, j = 0; i < flat.length; i += 3, j++) entries[j] = { p: strings[flat[i]], lo: flat[i + 1], hi: flat[i + 2] };
  return entries;
}

function numbersOf(strings: readonly string[], flat: readonly number[]): IndexEntries['num'] {
  const entries = new Array<IndexEntries['num'][number]>(flat.length / 4);
  for (let i = 0, j = 0; i < flat.length; i += 4, j++) {
    const entry: IndexEntries['num'][number] = { p: strings[flat[i]], v: flat[i + 1] };
    if (flat[i + 2] !== ABSENT) entry.sys = strings[flat[i + 2]];
    if (flat[i + 3] !== ABSENT) entry.code = strings[flat[i + 3]];
    entries[j] = entry;
  }
  return entries;
}

function sortKeysOf(strings: readonly string[], flat: readonly number[]): SortKeys {
  const keys: SortKeys = {};
  for (let i = 0; i < flat.length; i += 3) {
    const name = strings[flat[i]];
    if (name !== '__proto__') keys[name] = flat[i + 1] === 0 ? strings[flat[i + 2]] : flat[i + 2];
  }
  return keys;
}
