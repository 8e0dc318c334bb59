/**
 * How writes and index entries travel through JSON in the journal and the snapshot. JSON has no dates, so every
 * Date is written as epoch milliseconds and revived on the way back; sort keys may hold a string, a number or a
 * Date, so their dates are tagged ({ $d: ms }) to stay distinguishable from strings and numbers.
 */
import type { IndexEntries, StoreWrite } from '../types.ts';

type EncodedSortKeys = Record<string, string | number | { $d: number }>;

export interface EncodedIndexEntries extends Omit<IndexEntries, 'dt' | 'srt' | 'srtHi'> {
  dt: { p: string; lo: number; hi: number }[];
  srt: EncodedSortKeys;
  srtHi: EncodedSortKeys;
}

/** A committed write as the journal holds it (expectedVid is checked before writing, so it is not kept). */
export interface EncodedWrite {
  type: string;
  id: string;
  vid: number;
  lastUpdated: number;
  deleted: boolean;
  json: string;
  index: EncodedIndexEntries;
}

/** The version of a write the in-memory state applies: a StoreWrite without expectedVid. */
export type AppliedWrite = Omit<StoreWrite, 'expectedVid'>;

export function encodeWrite(write: StoreWrite): EncodedWrite {
  return {
    type: write.type,
    id: write.id,
    vid: write.vid,
    lastUpdated: write.lastUpdated.getTime(),
    deleted: write.deleted,
    json: write.json,
    index: encodeIndexEntries(write.index),
  };
}

export function decodeWrite(encoded: EncodedWrite): AppliedWrite {
  return {
    type: encoded.type,
    id: encoded.id,
    vid: encoded.vid,
    lastUpdated: new Date(encoded.lastUpdated),
    deleted: encoded.deleted,
    json: encoded.json,
    index: decodeIndexEntries(encoded.index),
  };
}

/** Picks exactly the index fields, so a whole StoredDocument can be passed in. */
export function encodeIndexEntries(index: IndexEntries): EncodedIndexEntries {
  return {
    compartments: index.compartments,
    tok: index.tok,
    ref: index.ref,
    str: index.str,
    num: index.num,
    uri: index.uri,
    txt: index.txt,
    dt: index.dt.map((d) => ({ p: d.p, lo: d.lo.getTime(), hi: d.hi.getTime() })),
    srt: encodeSortKeys(index.srt),
    srtHi: encodeSortKeys(index.srtHi),
  };
}

export function decodeIndexEntries(encoded: EncodedIndexEntries): IndexEntries {
  return {
    ...encoded,
    dt: encoded.dt.map((d) => ({ p: d.p, lo: new Date(d.lo), hi: new Date(d.hi) })),
    srt: decodeSortKeys(encoded.srt),
    srtHi: decodeSortKeys(encoded.srtHi),
  };
}

function encodeSortKeys(keys: Record<string, string | number | Date>): EncodedSortKeys {
  const encoded: EncodedSortKeys = {};
  for (const [name, value] of Object.entries(keys)) {
    if (name !== '__proto__') encoded[name] = value instanceof Date ? { $d: value.getTime() } : value;
  }
  return encoded;
}

function decodeSortKeys(encoded: EncodedSortKeys): Record<string, string | number | Date> {
  const keys: Record<string, string | number | Date> = {};
  for (const [name, value] of Object.entries(encoded)) {
    if (name !== '__proto__') keys[name] = typeof value === 'object' ? new Date(value.$d) : value;
  }
  return keys;
}
