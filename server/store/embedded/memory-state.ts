/**
 * The embedded store's data in process: one StoredDocument per resource (index entries as small objects, no parsed
 * body), every version's body as its serialized JSON text, the inverted index, and the history lists. Only the
 * store's commit queue mutates it, one durable write at a time, in commit order.
 */
import type { StoredDocument, StoredVersion } from '../types.ts';
import type { SortSpec } from './document-sort.ts';
import { InvertedIndex, type IndexedField } from './inverted-index.ts';
import type { EncodedWrite, MemoryIndexEntries } from './record-codec.ts';
import { SortedOrder } from './sorted-order.ts';
import { VersionList, type VersionEntry } from './version-history.ts';

/** A StoredDocument with its dates as epoch milliseconds (see record-codec.ts). */
export interface MemoryDocument extends Omit<StoredDocument, 'lastUpdated' | keyof MemoryIndexEntries>, MemoryIndexEntries {
  lastUpdated: number;
}

export interface ResourceRecord {
  document: MemoryDocument;
  /** Oldest first; the last one is the current version. */
  versions: VersionEntry[];
}

// Most resources have nothing under most index fields; sharing one frozen empty array saves an object per field.
const NO_ENTRIES: never[] = Object.freeze([]) as unknown as never[];
/** Sort orders kept per type (each costs a pointer per document). */
const ORDERS_PER_TYPE = 8;

export class MemoryState {
  readonly records = new Map<string, ResourceRecord>();
  readonly index = new InvertedIndex();
  readonly tombstones = new Set<string>();
  readonly allVersions = new VersionList();
  readonly versionsByType = new Map<string, VersionList>();
  /** type -> sort signature -> the type's documents in that order, built when a search first needs it. */
  private readonly orders = new Map<string, Map<string, SortedOrder>>();
  /** Small repeated strings (types, parameter names, units) kept once. */
  private readonly sharedStrings = new Map<string, string>();

  currentVid(documentId: string): number {
    return this.records.get(documentId)?.document.vid ?? 0;
  }

  apply(write: EncodedWrite): void {
    const type = this.share(write.type);
    const documentId = `${type}/${write.id}`;
    let record = this.records.get(documentId);
    const document = this.buildDocument(documentId, type, write, record?.document);
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
      record = { document, versions: [version] };
      this.records.set(documentId, record);
    }
    const orders = this.orders.get(type);
    if (orders) for (const [signature, order] of orders) if (!order.noteWrite(document)) orders.delete(signature);
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

  // Builds fresh arrays and objects throughout: the caller keeps its StoreWrite and may reuse it.
  private buildDocument(documentId: string, type: string, write: EncodedWrite, previous: MemoryDocument | undefined): MemoryDocument {
    const index = write.index;
    // Only the keys that changed since the previous version touch the postings.
    const keys = (field: Exclude<IndexedField, 'type'>, values: string[]) => {
      const shared = this.index.replace(field, previous?.[field] ?? NO_ENTRIES, values, documentId, type);
      return shared.length === 0 ? NO_ENTRIES : shared;
    };
    if (!previous) this.index.replace('type', NO_ENTRIES, [type], documentId, type);
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
      str: this.copyNamed(index.str, (e) => ({ p: e.p, v: e.v })),
      dt: this.copyNamed(index.dt, (e) => ({ p: e.p, lo: e.lo, hi: e.hi })),
      num: this.copyNamed(index.num, (e) => copyNumber(e, this.share(e.sys), this.share(e.code))),
      uri: this.copyNamed(index.uri, (e) => ({ p: e.p, v: e.v })),
      txt: this.copyNamed(index.txt, (e) => ({ p: e.p, v: e.v })),
      srt: { ...index.srt },
      srtHi: { ...index.srtHi },
    };
  }

  private copyNamed<T extends { p: string }>(entries: T[], copy: (entry: T) => T): T[] {
    if (entries.length === 0) return NO_ENTRIES;
    return entries.map((entry) => {
      const copied = copy(entry);
      copied.p = this.share(entry.p);
      return copied;
    });
  }

  private share<T extends string | undefined>(value: T): T {
    if (value === undefined) return value;
    const shared = this.sharedStrings.get(value);
    if (shared !== undefined) return shared as T;
    this.sharedStrings.set(value, value);
    return value;
  }
}

type NumberEntry = MemoryIndexEntries['num'][number];

function copyNumber(entry: NumberEntry, sys: string | undefined, code: string | undefined): NumberEntry {
  const copied: NumberEntry = { p: entry.p, v: entry.v };
  if (sys !== undefined) copied.sys = sys;
  if (code !== undefined) copied.code = code;
  return copied;
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
