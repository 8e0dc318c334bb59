/**
 * What the audit log keeps in memory to search its events: a few dozen bytes each in flat (typed) arrays, plus
 * the id. Per event: its id, lastUpdated, where its body is on disk, and its date entry (an AuditEvent has one,
 * `date`: when it was recorded); its exact-match keys (tok, ref, compartments) are in postings of event numbers
 * (the embedded store's posting lists; one type, so one list a key). The other index entries (strings, URIs, texts, their sort keys), which few
 * searches use, are extracted again from the bodies of the candidates of a search that needs them. An event is
 * never changed, so nothing here is ever updated or removed.
 */
import { grownTo } from '../store/embedded/typed-arrays.ts';
import type { IndexLookups } from '../store/embedded/candidate-selection.ts';
import type { IdSet } from '../store/embedded/inverted-index.ts';
import { PostingList } from '../store/embedded/posting-list.ts';
import type { StoreWrite } from '../store/types.ts';
import type { EventLocation } from './event-segments.ts';

export const EVENT_TYPE = 'AuditEvent';
/** The entries kept as keys (postings). */
export const KEY_FIELDS = ['tok', 'ref', 'compartments'] as const;
export type KeyField = (typeof KEY_FIELDS)[number];

const NO_IDS: IdSet = new Set<string>();
/** `dateParameter` of an event with no date entry, and of one with several (kept on disk only). */
const NO_DATE = 0;
const SEVERAL_DATES = 0xffff;

export class AuditEventIndex {
  /** Document ids (`AuditEvent/<id>`) by number, and numbers by document id. */
  private readonly documentIds: string[] = [];
  private readonly numbers = new Map<string, number>();
  private lastUpdated = new Float64Array(1024);
  private segment = new Uint32Array(1024);
  private offset = new Float64Array(1024);
  private length = new Uint32Array(1024);
  /** The parameter of an event's one date entry, as 1 + its place in `dateCodes`, and the entry's range. */
  private dateParameter = new Uint16Array(1024);
  private dateLo = new Float64Array(1024);
  private dateHi = new Float64Array(1024);
  private readonly dateCodes: string[] = [];
  private readonly postings: Record<KeyField, Map<string, PostingList>> = { tok: new Map(), ref: new Map(), compartments: new Map() };

  get size(): number {
    return this.documentIds.length;
  }

  /** The number of the event with this document id (`AuditEvent/<id>`). */
  numberOf(documentId: string): number | undefined {
    return this.numbers.get(documentId);
  }

  /** Adds an event; returns its number. */
  add(write: StoreWrite, location: EventLocation): number {
    const n = this.documentIds.length;
    const documentId = `${EVENT_TYPE}/${write.id}`;
    if (n === this.lastUpdated.length) this.grow();
    this.documentIds.push(documentId);
    this.numbers.set(documentId, n);
    this.lastUpdated[n] = write.lastUpdated.getTime();
    this.segment[n] = location.segment;
    this.offset[n] = location.offset;
    this.length[n] = location.length;
    const { dt, tok, ref, compartments } = write.index;
    if (dt.length === 1) {
      this.dateParameter[n] = this.dateCode(dt[0].p);
      this.dateLo[n] = dt[0].lo.getTime();
      this.dateHi[n] = dt[0].hi.getTime();
    } else {
      this.dateParameter[n] = dt.length === 0 ? NO_DATE : SEVERAL_DATES;
    }
    this.post(this.postings.tok, tok, n);
    this.post(this.postings.ref, ref, n);
    this.post(this.postings.compartments, compartments, n);
    return n;
  }

  id(n: number): string {
    return this.documentIds[n].slice(EVENT_TYPE.length + 1);
  }

  documentId(n: number): string {
    return this.documentIds[n];
  }

  lastUpdatedOf(n: number): number {
    return this.lastUpdated[n];
  }

  location(n: number): EventLocation {
    return { segment: this.segment[n], offset: this.offset[n], length: this.length[n] };
  }

  /** Whether a parameter is the date parameter of some event (its entries and sort keys are in memory). */
  isDateParameter(code: string): boolean {
    return this.dateCodes.includes(code);
  }

  /**
   * The event's date entry and its sort keys (as the embedded store's memory documents hold them: milliseconds),
   * or undefined when they are on disk only (an event with several date entries).
   */
  dateEntries(n: number): { dt: { p: string; lo: number; hi: number }[]; srt: Record<string, number>; srtHi: Record<string, number> } | undefined {
    const parameter = this.dateParameter[n];
    if (parameter === SEVERAL_DATES) return undefined;
    if (parameter === NO_DATE) return { dt: [], srt: {}, srtHi: {} };
    const p = this.dateCodes[parameter - 1];
    return { dt: [{ p, lo: this.dateLo[n], hi: this.dateHi[n] }], srt: { [p]: this.dateLo[n] }, srtHi: { [p]: this.dateHi[n] } };
  }

  /** Whether the event carries the key. */
  hasKey(field: KeyField, key: string, n: number): boolean {
    return this.postings[field].get(key)?.has(n) ?? false;
  }

  /** The postings as the embedded store's candidate selection reads them. */
  lookups(): IndexLookups {
    return {
      lookup: (field, key, type) => {
        if (type !== undefined && type !== EVENT_TYPE) return NO_IDS;
        if (field === 'type') return key === EVENT_TYPE ? this.everyEvent : NO_IDS;
        const list = this.postings[field].get(key);
        return list ? this.view(list) : NO_IDS;
      },
      lookupIds: (documentIds) => this.eventsOf(documentIds),
      lookupTypedIds: (type, ids) => (type === EVENT_TYPE ? this.eventsOf(ids.map((id) => `${type}/${id}`)) : NO_IDS),
      tombstones: NO_IDS,
    };
  }

  private eventsOf(documentIds: readonly string[]): IdSet {
    const numbers = documentIds.map((id) => this.numbers.get(id)).filter((n) => n !== undefined);
    return numbers.length === 0 ? NO_IDS : this.view(PostingList.of(numbers));
  }

  private post(byKey: Map<string, PostingList>, keys: readonly string[], n: number): void {
    for (const key of keys) {
      let list = byKey.get(key);
      if (!list) byKey.set(key, (list = new PostingList()));
      list.add(n);
    }
  }

  private view(list: PostingList): IdSet {
    const { numbers, documentIds } = this;
    return {
      postings: [list],
      size: list.size,
      has: (documentId) => {
        const n = numbers.get(documentId);
        return n !== undefined && list.has(n);
      },
      [Symbol.iterator]: () => list.ids((n) => documentIds[n])[Symbol.iterator](),
    };
  }

  /** Every event (all are of one type, none deleted). */
  private readonly everyEvent: IdSet = new EveryEvent(this);

  /** The numbers of the events in every one of `sets` (a plan's candidates), ascending. */
  numbersIn(sets: readonly IdSet[]): number[] {
    const lists: PostingList[] = [];
    for (const set of sets) {
      if (set === this.everyEvent) continue;
      // A union (a set of ids) is looked up by id; postings are intersected by number, without ids.
      if (set.postings?.length !== 1) return this.numbersById(sets);
      lists.push(set.postings[0]);
    }
    if (lists.length === 0) return Array.from({ length: this.size }, (_, n) => n);
    const [smallest, ...others] = lists.sort((a, b) => a.size - b.size);
    const numbers: number[] = [];
    smallest.forEach((n) => {
      for (const other of others) if (!other.has(n)) return;
      numbers.push(n);
    });
    return numbers;
  }

  private numbersById(sets: readonly IdSet[]): number[] {
    const [smallest, ...others] = [...sets].sort((a, b) => a.size - b.size);
    const numbers: number[] = [];
    for (const documentId of smallest) if (others.every((set) => set.has(documentId))) numbers.push(this.numbers.get(documentId)!);
    return numbers.sort((a, b) => a - b);
  }

  private dateCode(code: string): number {
    let at = this.dateCodes.indexOf(code);
    if (at < 0) at = this.dateCodes.push(code) - 1;
    return at + 1;
  }

  private grow(): void {
    const capacity = this.lastUpdated.length * 2;
    const grown = <T extends Float64Array | Uint32Array | Uint16Array>(array: T, make: (n: number) => T): T => grownTo(array, capacity, make);
    this.lastUpdated = grown(this.lastUpdated, (c) => new Float64Array(c));
    this.segment = grown(this.segment, (c) => new Uint32Array(c));
    this.offset = grown(this.offset, (c) => new Float64Array(c));
    this.length = grown(this.length, (c) => new Uint32Array(c));
    this.dateParameter = grown(this.dateParameter, (c) => new Uint16Array(c));
    this.dateLo = grown(this.dateLo, (c) => new Float64Array(c));
    this.dateHi = grown(this.dateHi, (c) => new Float64Array(c));
  }
}

/** The set of every event of an index, by id. */
class EveryEvent implements IdSet {
  constructor(private readonly index: AuditEventIndex) {}

  get size(): number {
    return this.index.size;
  }

  has(documentId: string): boolean {
    return this.index.numberOf(documentId) !== undefined;
  }

  [Symbol.iterator](): Iterator<string> {
    return Array.from({ length: this.index.size }, (_, n) => this.index.documentId(n))[Symbol.iterator]();
  }
}
