/**
 * The embedded store's data in process: one StoredDocument per resource (keys as shared strings, named entries
 * packed, see packed-entries.ts; no parsed body), every version's body as its serialized JSON text, the inverted index, and the history lists. Only the
 * store's commit queue mutates it, one durable write at a time, in commit order.
 */
import type { StoredDocument, StoredVersion } from '../types.ts';
import type { SortSpec } from './document-sort.ts';
import { DateColumn } from './date-column.ts';
import { ReferenceColumn } from './reference-column.ts';
import { InvertedIndex, type IndexedField } from './inverted-index.ts';
import { PackedEntries, type PackedKind } from './packed-entries.ts';
import type { PostingList } from './posting-list.ts';
import { sameSortKeys } from './journaled-sort-keys.ts';
import type { EncodedWrite, JournaledIndexEntries, MemoryIndexEntries } from './record-codec.ts';
import { SortedOrder } from './sorted-order.ts';
import { capacityFor, grownTo } from './typed-arrays.ts';
import { VersionList, type VersionEntry } from './version-history.ts';

/** A StoredDocument with its dates as epoch milliseconds (see record-codec.ts) and its named entries packed. */
export interface MemoryDocument
  extends Omit<StoredDocument, 'lastUpdated' | keyof MemoryIndexEntries>,
    Omit<MemoryIndexEntries, PackedKind> {
  lastUpdated: number;
  str: PackedField;
  dt: PackedField;
  num: PackedField;
  uri: PackedField;
  txt: PackedField;
}

/** Packed entries, or the shared empty array when there are none. */
export type PackedField = PackedEntries | readonly never[];

export interface ResourceRecord {
  document: MemoryDocument;
  /** Oldest first; the last one is the current version. */
  versions: VersionEntry[];
  /** The document's number in the inverted index's postings. */
  number: number;
}

// Most resources have nothing under most index fields; sharing one frozen empty array saves an object per field.
const NO_ENTRIES: never[] = Object.freeze([]) as unknown as never[];
/** Sort orders kept per type (each costs a pointer per document). */
const ORDERS_PER_TYPE = 8;
/** Columns kept (a date column costs 17 bytes per document number of the whole store, 17 MB at a million). */
const COLUMNS = 12;
/**
 * A search builds a column only when it has at least this many candidates: building is a pass over every document
 * of the type, worth it for a search that would otherwise reach thousands of documents, not for one that reaches few.
 */
const COLUMN_MIN_CANDIDATES = 2000;

/** Aligned columns kept (a date column 16 bytes per candidate of its token: 630 KB for 40,000, see document-query.ts). */
const ALIGNED_COLUMNS = 16;

/** A column of one type's documents by number (date-column.ts, reference-column.ts), kept up to date by writes. */
interface Column {
  note(n: number, document: MemoryDocument): void;
  /** The column's entries of the listed documents, by position in the list (a copy, never noted). */
  alignedTo(numbers: ArrayLike<number>): this;
}

export class MemoryState {
  readonly records = new Map<string, ResourceRecord>();
  /** Document ids by number (see ResourceRecord.number). */
  private readonly ids: string[] = [];
  /**
   * type -> id -> document number. A resolved `_has` names thousands of ids: looking each up here uses the hash its
   * string already has, where `records.get(type + '/' + id)` first builds, flattens and hashes a new string (three
   * quarters of the lookup's time).
   */
  private readonly numbersById = new Map<string, Map<string, number>>();
  /** Records by number: candidates picked from posting lists are reached without hashing their id strings. */
  private readonly byNumber: ResourceRecord[] = [];
  readonly index = new InvertedIndex(
    (documentId) => this.records.get(documentId)?.number,
    (n) => this.ids[n],
  );
  readonly tombstones = new Set<string>();
  readonly allVersions = new VersionList();
  readonly versionsByType = new Map<string, VersionList>();
  /** type -> sort signature -> the type's documents in that order, built when a search first needs it. */
  private readonly orders = new Map<string, Map<string, SortedOrder>>();
  /** type -> what the column holds (`dt <code>`, `ref <prefix>`) -> the column, built when a search first needs it. */
  private readonly columns = new Map<string, Map<string, Column>>();
  /** The columns kept, oldest first: past the limit, the oldest goes. */
  private readonly columnAges: { type: string; name: string }[] = [];
  /** The aligned columns, date and reference (see alignedColumn), oldest first. */
  private readonly alignedColumns: { list: PostingList; column: Column; writes: number; aligned: Column }[] = [];
  /** Writes applied per type: an aligned column is valid while its type's count is the one it was built at. */
  private readonly writesByType = new Map<string, number>();
  /** 1 where document n's current version is a deletion: candidates by number are told without their record. */
  private deleted = new Uint8Array(1024);
  /** Small repeated strings (types, parameter names, units) kept once. */
  private readonly sharedStrings = new Map<string, string>();

  /** The numbers of the documents of `type` with these ids (undefined for an id no document has). */
  numbersOf(type: string, ids: readonly string[]): (number | undefined)[] {
    const numbers = this.numbersById.get(type);
    return numbers ? ids.map((id) => numbers.get(id)) : [];
  }

  /** The record numbered `n` (see ResourceRecord.number). */
  recordOf(n: number): ResourceRecord {
    return this.byNumber[n];
  }

  currentVid(documentId: string): number {
    return this.records.get(documentId)?.document.vid ?? 0;
  }

  apply(write: EncodedWrite): void {
    const type = this.share(write.type);
    this.writesByType.set(type, (this.writesByType.get(type) ?? 0) + 1);
    const documentId = `${type}/${write.id}`;
    let record = this.records.get(documentId);
    const number = record?.number ?? this.ids.push(documentId) - 1;
    const document = this.buildDocument(documentId, number, type, write, record?.document);
    const version: VersionEntry = {
      type,
      id: document.id,
      vid: write.vid,
      lastUpdated: document.lastUpdated,
      deleted: write.deleted,
      json: write.json,
    };
    if (record) {
      record.document = document;
      record.versions.push(version);
    } else {
      record = { document, versions: [version], number };
      this.records.set(documentId, record);
      this.byNumber[number] = record;
      let numbers = this.numbersById.get(type);
      if (!numbers) this.numbersById.set(type, (numbers = new Map()));
      numbers.set(document.id, number);
    }
    const orders = this.orders.get(type);
    if (orders) for (const [signature, order] of orders) if (!order.noteWrite(document)) orders.delete(signature);
    const columns = this.columns.get(type);
    if (columns) for (const column of columns.values()) column.note(number, document);
    if (number >= this.deleted.length) this.deleted = grownTo(this.deleted, capacityFor(number), (length) => new Uint8Array(length));
    this.deleted[number] = write.deleted ? 1 : 0;
    if (write.deleted) this.tombstones.add(documentId);
    else this.tombstones.delete(documentId);
    this.allVersions.push(version);
    let typeVersions = this.versionsByType.get(type);
    if (!typeVersions) this.versionsByType.set(type, (typeVersions = new VersionList()));
    typeVersions.push(version);
  }

  /** The documents of `type` in `sort` order (see sorted-order.ts). */
  sortedOrder(type: string, sort: SortSpec): SortedOrder {
    let orders = this.orders.get(type);
    if (!orders) this.orders.set(type, (orders = new Map()));
    const signature = JSON.stringify(sort);
    let order = orders.get(signature);
    if (!order) {
      const ids = this.index.lookup('type', type, type);
      const documents = (function* (records: Map<string, ResourceRecord>) {
        for (const id of ids) yield records.get(id)!.document;
      })(this.records);
      order = new SortedOrder(sort, documents, (id) => this.records.get(id)?.document);
      if (orders.size >= ORDERS_PER_TYPE) orders.delete(orders.keys().next().value!);
      orders.set(signature, order);
    }
    return order;
  }

  /** Whether document n's current version is a deletion. */
  isDeleted(n: number): boolean {
    return this.deleted[n] === 1;
  }

  /**
   * The column of the date parameter `code` of `type`'s documents (see date-column.ts), for a search with about
   * `candidates` candidates: undefined when there is none and so few candidates that building one costs more.
   */
  dateColumn(type: string, code: string, candidates: number): DateColumn | undefined {
    return this.column(type, `dt ${code}`, candidates, () => new DateColumn(code));
  }

  /**
   * `column` (of `type`) aligned to the documents of `list` (see DateColumn.alignedTo): built on the first search
   * over these candidates, then reused until a write of the type changes the list or the column.
   */
  alignedColumn<C extends Column>(type: string, list: PostingList, column: C): C {
    const writes = this.writesByType.get(type) ?? 0;
    const at = this.alignedColumns.findIndex((kept) => kept.list === list && kept.column === column);
    if (at >= 0) {
      const kept = this.alignedColumns[at];
      if (kept.writes === writes) return kept.aligned as C;
      this.alignedColumns.splice(at, 1);
    }
    const aligned = column.alignedTo(list.view()) as C;
    if (this.alignedColumns.length >= ALIGNED_COLUMNS) this.alignedColumns.shift();
    this.alignedColumns.push({ list, column, writes, aligned });
    return aligned;
  }

  /** The column of `type`'s reference keys that start with `prefix` (see reference-column.ts), as dateColumn. */
  referenceColumn(type: string, prefix: string, candidates: number): ReferenceColumn | undefined {
    return this.column(type, `ref ${prefix}`, candidates, () => new ReferenceColumn(prefix));
  }

  private column<C extends Column>(type: string, name: string, candidates: number, make: () => C): C | undefined {
    const existing = this.columns.get(type)?.get(name);
    if (existing) return existing as C;
    if (candidates < COLUMN_MIN_CANDIDATES) return undefined;
    if (this.columnAges.length >= COLUMNS) {
      const oldest = this.columnAges.shift()!;
      this.columns.get(oldest.type)?.delete(oldest.name);
    }
    const column = make();
    for (const list of this.index.lookup('type', type, type).postings ?? []) list.forEach((n) => column.note(n, this.byNumber[n].document));
    let columns = this.columns.get(type);
    if (!columns) this.columns.set(type, (columns = new Map()));
    columns.set(name, column);
    this.columnAges.push({ type, name });
    return column;
  }

  // Builds fresh arrays and objects throughout: the caller keeps its StoreWrite and may reuse it.
  private buildDocument(documentId: string, number: number, type: string, write: EncodedWrite, previous: MemoryDocument | undefined): MemoryDocument {
    const index = write.index;
    // Only the keys that changed since the previous version touch the postings.
    const keys = (field: Exclude<IndexedField, 'type'>, values: string[]) => {
      const shared = this.index.replace(field, previous?.[field] ?? NO_ENTRIES, values, number, type);
      return shared.length === 0 ? NO_ENTRIES : shared;
    };
    if (!previous) this.index.replace('type', NO_ENTRIES, [type], number, type);
    return {
      _id: documentId,
      type,
      id: write.id,
      vid: write.vid,
      lastUpdated: write.lastUpdated,
      deleted: write.deleted,
      compartments: keys('compartments', index.compartments),
      tok: keys('tok', index.tok),
      ref: keys('ref', index.ref),
      str: this.pack('str', index.str),
      dt: this.pack('dt', index.dt),
      num: this.pack('num', index.num),
      uri: this.pack('uri', index.uri),
      txt: this.pack('txt', dedupe(index.txt)),
      ...sortKeys(index, (value) => this.share(value)),
    };
  }

  private pack(kind: PackedKind, entries: readonly object[]): PackedField {
    return entries.length === 0 ? NO_ENTRIES : PackedEntries.pack(kind, entries as Record<string, unknown>[], (s) => this.share(s));
  }

  private share<T extends string | undefined>(value: T): T {
    if (value === undefined) return value;
    const shared = this.sharedStrings.get(value);
    if (shared !== undefined) return shared as T;
    this.sharedStrings.set(value, value);
    return value;
  }
}

const TYPED_REFERENCE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/**
 * Text entries repeat (a coding's display and the concept's text are often the same): keep each once. Extraction
 * no longer writes such repeats (extract-values.ts addText); this stays for journals and snapshots written before.
 */
function dedupe(entries: readonly { p: string; v: string }[]): readonly { p: string; v: string }[] {
  // A resource has a few text entries: compared pairwise, with nothing made unless a repeat is found.
  const repeats = (e: { p: string; v: string }, i: number) => entries.findIndex((f) => f.p === e.p && f.v === e.v) < i;
  return entries.some(repeats) ? entries.filter((e, i) => !repeats(e, i)) : entries;
}

/**
 * Copies of the sort keys; `srtHi` is the same object as `srt` when every parameter has one value (the usual case),
 * else `srt`'s copy with the keys that differ (`srtHiDiff`, or a whole `srtHi`: see JournaledIndexEntries).
 */
function sortKeys(index: JournaledIndexEntries, share: (value: string) => string): Pick<MemoryDocument, 'srt' | 'srtHi'> {
  // Reference sort values ("Patient/p1") repeat across a patient's resources: keep each string once.
  const copy = (keys: MemoryIndexEntries['srt'], into: MemoryIndexEntries['srt'] = {}) => {
    for (const [name, value] of Object.entries(keys)) into[name] = typeof value === 'string' && TYPED_REFERENCE.test(value) ? share(value) : value;
    return into;
  };
  const low = copy(index.srt);
  if (index.srtHi) return { srt: low, srtHi: sameSortKeys(low, index.srtHi) ? low : copy(index.srtHi) };
  return { srt: low, srtHi: index.srtHiDiff ? copy(index.srtHiDiff, { ...low }) : low };
}

/** A document's index entries as plain arrays and objects (for mingo; the snapshot codes the packed ones: coded-index.ts). */
export function memoryIndexEntriesOf(document: MemoryDocument): MemoryIndexEntries {
  const unpack = <T>(field: PackedField) => (field instanceof PackedEntries ? field.toArray() : []) as T[];
  return {
    compartments: document.compartments,
    tok: document.tok,
    ref: document.ref,
    str: unpack(document.str),
    dt: unpack(document.dt),
    num: unpack(document.num),
    uri: unpack(document.uri),
    txt: unpack(document.txt),
    srt: document.srt,
    srtHi: document.srtHi,
  };
}

/** A version as the Store interface returns it: a copy, so callers cannot change what is stored. */
export function toStoredVersion(version: VersionEntry): StoredVersion {
  return {
    type: version.type,
    id: version.id,
    vid: version.vid,
    lastUpdated: new Date(version.lastUpdated),
    deleted: version.deleted,
    json: version.json,
  };
}

export function currentVersion(record: ResourceRecord): VersionEntry {
  return record.versions[record.versions.length - 1];
}
