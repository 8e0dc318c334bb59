/**
 * The form in which writes are journaled, snapshotted and held in memory. Every date becomes epoch milliseconds:
 * JSON has no dates, and a JS Date costs about 96 bytes of heap against 16 for a number, which at five dates per
 * resource and a million resources is half a gigabyte. Filters are converted the same way before evaluation
 * (see memory-filter.ts), so a date compares with a date. Sort keys that were dates become numbers too; one sort
 * key always holds one kind of value, so their order is unchanged.
 */
import type { IndexEntries, SerializedCommit, SerializedStoreWrite, StoredVersion, StoreWrite } from '../types.ts';
import { decodeIndexEntries } from './coded-index.ts';
import { journaledSrtHi } from './journaled-sort-keys.ts';
import { decodePayload, type RecordWithBodies } from './framing.ts';
import type { VersionEntry } from './version-history.ts';

export interface MemoryIndexEntries extends Omit<IndexEntries, 'dt' | 'srt' | 'srtHi'> {
  dt: { p: string; lo: number; hi: number }[];
  srt: Record<string, string | number>;
  srtHi: Record<string, string | number>;
}

/**
 * Index entries as a journal record holds them. `srtHi` mostly repeats `srt`: it is left out when it equals `srt`
 * (every sort parameter with one value), and otherwise only the parameters where it differs are written, as
 * `srtHiDiff` (a de-identified resource's three security labels alone make `_security` differ on every resource;
 * the rest of an Observation's ~12 sort keys repeat). A full `srtHi` is written when the two do not name the same
 * parameters; records written before `srtHiDiff` hold a full `srtHi` wherever it differs.
 */
export interface JournaledIndexEntries extends Omit<MemoryIndexEntries, 'srtHi'> {
  srtHi?: MemoryIndexEntries['srtHi'];
  srtHiDiff?: MemoryIndexEntries['srtHi'];
}

/** A committed write as the journal holds it (expectedVid is checked before journaling, so it is not kept). */
export interface EncodedWrite extends VersionEntry {
  index: JournaledIndexEntries;
}

export function encodeWrite(write: StoreWrite): EncodedWrite {
  return encodedVersion(write, toJournaledIndexEntries(write.index));
}

function encodedVersion(write: StoredVersion, index: JournaledIndexEntries): EncodedWrite {
  return { type: write.type, id: write.id, vid: write.vid, lastUpdated: write.lastUpdated.getTime(), deleted: write.deleted, json: write.json, index };
}

/** The entries as a journal record holds them: dates as epoch milliseconds, srtHi left out or cut to srtHiDiff. */
export function toJournaledIndexEntries(index: IndexEntries | MemoryIndexEntries): JournaledIndexEntries {
  const entries: JournaledIndexEntries = toMemoryIndexEntries(index);
  const { srtHi, srtHiDiff } = journaledSrtHi(entries.srt, (entries as MemoryIndexEntries).srtHi);
  delete entries.srtHi; // the last property made: deleting it gives back the object's shape without it
  if (srtHi) entries.srtHi = srtHi;
  if (srtHiDiff) entries.srtHiDiff = srtHiDiff;
  return entries;
}

/** A write of a SerializedCommit as encodeWrite would have made it from the same write with its entries as objects. */
export function decodeSerializedWrite(strings: readonly string[], write: SerializedStoreWrite): EncodedWrite {
  return encodedVersion(write, decodeIndexEntries(strings, write.indexCoded));
}

/** One journal record: one commit. */
export interface JournalRecord {
  sequence: number;
  writes: EncodedWrite[];
}

/**
 * A commit's journal record, as a record with bodies (framing.ts): each write's stored JSON written as it is, and
 * a header that is JSON.stringify({ sequence, writes }) of the encoded writes with `jsonBytes` in place of `json`.
 */
export function journalRecord({ sequence, writes }: JournalRecord): RecordWithBodies {
  return {
    bodies: writes.map((w) => w.json),
    header: (bodyBytes) => [JSON.stringify({ sequence, writes: writes.map(({ json: _json, index, ...w }, i) => ({ ...w, jsonBytes: bodyBytes[i], index })) })],
  };
}

/**
 * The journal record of a SerializedCommit: its string table, then each write's stored JSON and coded entries, as
 * bodies taken in as they are (never parsed here, never joined into one string), and a header naming their byte
 * lengths: JSON of { sequence, indexTable, writes } with `jsonBytes` and `indexBytes` for each write.
 */
export function serializedJournalRecord(sequence: number, { indexTable, writes }: SerializedCommit): RecordWithBodies {
  const bodies = [indexTable];
  for (const w of writes) bodies.push(w.json, w.indexCoded);
  return {
    bodies,
    header: (bodyBytes) => {
      const parts = [`{"sequence":${sequence},"indexTable":${bodyBytes[0]},"writes":[`];
      for (let i = 0; i < writes.length; i++) {
        const w = writes[i];
        parts.push(
          `${i === 0 ? '' : ','}{"type":${JSON.stringify(w.type)},"id":${JSON.stringify(w.id)},"vid":${w.vid},"lastUpdated":${w.lastUpdated.getTime()},"deleted":${w.deleted},"jsonBytes":${bodyBytes[1 + 2 * i]},"indexBytes":${bodyBytes[2 + 2 * i]}}`,
        );
      }
      parts.push(']}');
      return parts;
    },
  };
}

type HeaderWrite = Omit<EncodedWrite, 'json' | 'index'> & { jsonBytes: number } & ({ index: JournaledIndexEntries } | { indexBytes: number });

/**
 * A journal record read back: of a SerializedCommit (its entries decoded against its table), with bodies
 * (journalRecord), or all JSON as journals written before either hold.
 */
export function parseJournalRecord(payload: Buffer): JournalRecord {
  const decoded = decodePayload(payload);
  if ('json' in decoded) return JSON.parse(decoded.json) as JournalRecord;
  const { sequence, indexTable, writes } = JSON.parse(decoded.header) as { sequence: number; indexTable?: number; writes: HeaderWrite[] };
  const coded = indexTable !== undefined;
  const lengths = coded ? [indexTable] : [];
  for (const w of writes) lengths.push(w.jsonBytes, ...('indexBytes' in w ? [w.indexBytes] : []));
  const bodies = decoded.bodies(lengths);
  const strings = coded ? (JSON.parse(bodies[0]) as string[]) : [];
  let at = coded ? 1 : 0;
  return {
    sequence,
    writes: writes.map((w) => {
      const json = bodies[at++];
      const index = 'indexBytes' in w ? decodeIndexEntries(strings, bodies[at++]) : w.index;
      return { type: w.type, id: w.id, vid: w.vid, lastUpdated: w.lastUpdated, deleted: w.deleted, json, index };
    }),
  };
}

/** Picks exactly the index fields, so a whole document can be passed in. */
export function toMemoryIndexEntries(index: IndexEntries | MemoryIndexEntries): MemoryIndexEntries {
  return {
    compartments: index.compartments,
    tok: index.tok,
    ref: index.ref,
    str: index.str,
    dt: index.dt.map((d) => ({ p: d.p, lo: toMillis(d.lo), hi: toMillis(d.hi) })),
    num: index.num,
    uri: index.uri,
    txt: index.txt,
    srt: sortKeysToMillis(index.srt),
    srtHi: sortKeysToMillis(index.srtHi),
  };
}

function toMillis(value: Date | number): number {
  return typeof value === 'number' ? value : value.getTime();
}

function sortKeysToMillis(keys: Record<string, string | number | Date>): Record<string, string | number> {
  const converted: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(keys)) {
    if (name !== '__proto__') converted[name] = value instanceof Date ? value.getTime() : value;
  }
  return converted;
}
