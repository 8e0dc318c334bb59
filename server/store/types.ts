/**
 * The one Store interface that both the embedded store and the MongoDB store implement, and the document shape
 * they share (see DESIGN.md, "Stored documents"). Nothing here knows about URLs or HTTP; queries arrive as
 * MongoDB filter documents compiled by `server/search/`.
 */

/** Search index entries extracted at write time from the R4 SearchParameters (see `server/search/extract.ts`). */
export interface IndexEntries {
  /** Patient compartments the resource belongs to: "Patient/p1". */
  compartments: string[];
  /** Token keys, one exact-match key per form: "code|http://loinc.org|8867-4", "code|*|8867-4", "code|http://loinc.org|*", "status||final". */
  tok: string[];
  /** Reference keys: "subject|Patient/p1", also absolute URLs as given. */
  ref: string[];
  /** String values, normalised (lower-cased, accents folded). */
  str: { p: string; v: string }[];
  /** Dates as the range their precision covers. */
  dt: { p: string; lo: Date; hi: Date }[];
  /** Numbers and quantities (quantities also under their UCUM canonical unit). */
  num: { p: string; v: number; sys?: string; code?: string }[];
  /** URIs and canonicals. */
  uri: { p: string; v: string }[];
  /** Token display texts for `:text`, normalised like strings. */
  txt: { p: string; v: string }[];
  /** One sort key per sortable parameter (the lowest value; `_sort=-x` uses `srtHi`). */
  srt: Record<string, string | number | Date>;
  srtHi: Record<string, string | number | Date>;
}

/** The stored document of a resource's current version (DESIGN.md). `resource` is the FHIR JSON as served. */
export interface StoredDocument extends IndexEntries {
  _id: string; // "Observation/123"
  type: string;
  id: string;
  vid: number;
  lastUpdated: Date;
  deleted: boolean;
}

/** One stored version of a resource as a store returns it. */
export interface StoredVersion {
  type: string;
  id: string;
  vid: number;
  lastUpdated: Date;
  deleted: boolean;
  /** The resource as served (meta.versionId and meta.lastUpdated already set), serialized; '' for a deletion. */
  json: string;
}

/** One new version to write. A commit of several writes is applied entirely or not at all. */
export interface StoreWrite extends StoredVersion {
  /** The version this write replaces: 0 when the resource must not exist yet. A mismatch fails the whole commit. */
  expectedVid: number;
  /** Index entries of the new version (empty arrays for a deletion). */
  index: IndexEntries;
}

/**
 * A write whose index entries arrive coded: `indexCoded` is IndexCoder.code's form of them (embedded/coded-index.ts:
 * a JSON array of numbers against its commit's string table, every date as epoch milliseconds), as the embedded
 * store journals them. An ingest's worker threads make it where they extract the entries, so the thread that
 * commits neither receives them as objects nor serializes them again.
 */
export interface SerializedStoreWrite extends StoredVersion {
  expectedVid: number;
  indexCoded: string;
}

/** Writes with coded index entries, and the JSON of the string table (IndexCoder.tableJson) they are coded against. */
export interface SerializedCommit {
  indexTable: string;
  writes: SerializedStoreWrite[];
}

/** A MongoDB query document over StoredDocument fields (type, id, deleted, lastUpdated, tok, ref, str, ...). */
export type Filter = Record<string, unknown>;

export interface StoreQuery {
  filter: Filter;
  /** Sort keys over StoredDocument fields, e.g. [['srt.birthdate', 1], ['_id', 1]]. */
  sort?: [string, 1 | -1][];
  skip?: number;
  limit?: number;
}

export interface HistoryQuery {
  type?: string;
  id?: string;
  /** Only versions last updated at or after this instant (`_since`). */
  since?: Date;
  /** Only versions last updated before this instant (`_at`-style bounds and stable paging). */
  before?: Date;
  skip?: number;
  limit: number;
}

/** Thrown by commit() when a write's expectedVid does not match the stored version. */
export class StoreConflictError extends Error {
  constructor(
    readonly type: string,
    readonly id: string,
    readonly expectedVid: number,
    readonly actualVid: number,
  ) {
    super(`${type}/${id}: expected version ${expectedVid}, found ${actualVid}`);
  }
}

export interface Store {
  /** Prepares the store: replays the journal or creates indexes. */
  open(): Promise<void>;
  /** Flushes and releases everything; the store may not be used afterwards. */
  close(): Promise<void>;
  /** The current version (a deletion included), or undefined if the resource never existed. */
  read(type: string, id: string): Promise<StoredVersion | undefined>;
  /** One version of a resource's history, or undefined. */
  readVersion(type: string, id: string, vid: number): Promise<StoredVersion | undefined>;
  /** Versions newest first, with the total number of versions matching. */
  history(query: HistoryQuery): Promise<{ versions: StoredVersion[]; total: number }>;
  /** Current versions whose documents match the filter. */
  find(query: StoreQuery): Promise<StoredVersion[]>;
  /** The number of current documents matching the filter. */
  count(filter: Filter): Promise<number>;
  /**
   * The distinct `ref` keys starting with `prefix` ("patient|") among current documents matching the filter, so
   * `_has` finds the referenced resources without reading bodies (MongoDB: `distinct('ref', filter)`). Optional:
   * search falls back to reading the matching resources.
   */
  referenceKeys?(filter: Filter, prefix: string): Promise<string[]>;
  /**
   * A filter on `targetType` documents that holds for those the matching documents' `ref` keys with `prefix` name
   * (a resolved `_has`), in the store's own terms: the embedded store names them by internal document number, so a
   * cohort of thousands is not thousands of id strings. Use it in a query at once; never keep or send it. Optional:
   * search builds an `id $in` filter from referenceKeys.
   */
  referenceTargets?(filter: Filter, prefix: string, targetType: string): Promise<Filter>;
  /**
   * The ids and the named sort keys (`srt.<code>`) of current documents matching the filter, without reading their
   * bodies, so aggregates select and stratify cohorts on index entries alone (MongoDB: a find with a projection).
   * Optional: aggregates fall back to find().
   */
  matchKeys?(filter: Filter, sortKeys: string[]): Promise<MatchKeys[]>;
  /** Applies all writes atomically and durably before resolving; throws StoreConflictError on a version mismatch. */
  commit(writes: StoreWrite[]): Promise<void>;
  /**
   * commit() for writes whose index entries are coded (SerializedCommit). Optional: a store without it is given StoreWrites
   * (dates in the serialized form cannot be told from numbers again, so they must be made as objects upstream).
   * Its commits are version-checked and ordered when the call is made, not when it resolves: a caller may make
   * the next call before the last is durable, with versions that build on it.
   */
  commitSerialized?(commit: SerializedCommit): Promise<void>;
}

/** One document's id and the sort keys asked for, in the order asked (undefined where it has none). */
export interface MatchKeys {
  id: string;
  keys: (string | number | Date | undefined)[];
}

/** Index entries of a deletion or of a resource with nothing to index. */
export function emptyIndexEntries(): IndexEntries {
  return { compartments: [], tok: [], ref: [], str: [], dt: [], num: [], uri: [], txt: [], srt: {}, srtHi: {} };
}
