/**
 * Key -> document ids, over the exact-match fields a search selects on first (DESIGN.md: "keeps an inverted index
 * over the same tok/ref keys to pick candidates"). Each key's postings are kept per resource type, because nearly
 * every search names its type: `Observation?code=X` is then one lookup whose size is the answer to a count, with
 * no intersection with the million ids of the type. Each key string is kept once and shared by every document that
 * carries it, which matters at a million resources: the same "status||final" would otherwise be stored a million times.
 * Documents are numbered, and postings are sorted lists of numbers in typed arrays (posting-list.ts).
 */
import { PostingList } from './posting-list.ts';

/** The document fields whose values are exact-match keys. */
export const INDEXED_FIELDS = ['type', 'tok', 'ref', 'compartments'] as const;
export type IndexedField = (typeof INDEXED_FIELDS)[number];

export function isIndexedField(field: string): field is IndexedField {
  return (INDEXED_FIELDS as readonly string[]).includes(field);
}

/** The read side of a set of document ids (a Set, or a view over posting lists). */
export interface IdSet extends Iterable<string> {
  readonly size: number;
  has(id: string): boolean;
  /** For a view over posting lists: the lists, so a caller can intersect by document number, not by id string. */
  readonly postings?: readonly PostingList[];
}

interface Posting {
  key: string;
  byType: Map<string, PostingList>;
  /** The list last added to and its type: a batch of one type's documents adds to the same list again and again. */
  lastType: string | undefined;
  lastList: PostingList | undefined;
}

const NO_IDS: IdSet = new Set<string>();

export class InvertedIndex {
  private readonly postings = new Map<IndexedField, Map<string, Posting>>(INDEXED_FIELDS.map((f) => [f, new Map()]));

  /** Documents are numbered by the caller (never reused): `numberOf` and `idOf` translate. */
  constructor(
    private readonly numberOf: (documentId: string) => number | undefined,
    private readonly idOf: (n: number) => string,
  ) {}

  /**
   * Sets a document's keys of one field: removes those it no longer has, adds the new ones (keys it keeps are not
   * touched). Returns the new keys as the shared strings, for the document to hold.
   */
  replace(field: IndexedField, oldKeys: readonly string[], newKeys: readonly string[], n: number, type: string): string[] {
    const byKey = this.postings.get(field)!;
    const kept = oldKeys.length > 0 ? new Set(newKeys) : undefined;
    for (const key of oldKeys) if (!kept!.has(key)) this.removeKey(byKey, key, n, type);
    const old = oldKeys.length > 0 ? new Set(oldKeys) : undefined;
    const shared = new Array<string>(newKeys.length);
    for (let i = 0; i < newKeys.length; i++) {
      const key = newKeys[i];
      let posting = byKey.get(key);
      if (!posting) {
        posting = { key, byType: new Map(), lastType: undefined, lastList: undefined };
        byKey.set(key, posting);
      }
      if (!old?.has(key)) this.listOf(posting, type).add(n);
      shared[i] = posting.key;
    }
    return shared;
  }

  /** The key's list of documents of `type` (made when it has none); the last type asked is kept at hand. */
  private listOf(posting: Posting, type: string): PostingList {
    if (posting.lastType === type && posting.lastList) return posting.lastList;
    let list = posting.byType.get(type);
    if (!list) posting.byType.set(type, (list = new PostingList()));
    posting.lastType = type;
    posting.lastList = list;
    return list;
  }

  /**
   * The ids of the current documents carrying the key, of `type` when given (live: do not hold on to it across
   * writes). Without a type, a view over every type's postings.
   */
  lookup(field: IndexedField, key: string, type?: string): IdSet {
    const posting = this.postings.get(field)!.get(key);
    if (!posting) return NO_IDS;
    if (type !== undefined) {
      const list = posting.byType.get(type);
      return list ? this.view([list]) : NO_IDS;
    }
    return this.view([...posting.byType.values()]);
  }

  /** The current documents among these ids (of any types), as a set over one posting list of their numbers. */
  documents(documentIds: readonly string[]): IdSet {
    return this.numbered(documentIds.map((id) => this.numberOf(id)));
  }

  /** The documents of these numbers (undefined where an id named none), as documents() makes its set. */
  numbered(numbers: readonly (number | undefined)[]): IdSet {
    const known = numbers.filter((n) => n !== undefined);
    return known.length === 0 ? NO_IDS : this.view([PostingList.of(known)]);
  }

  private removeKey(byKey: Map<string, Posting>, key: string, n: number, type: string): void {
    const posting = byKey.get(key);
    const list = posting?.byType.get(type);
    if (!posting || !list) return;
    list.delete(n);
    if (list.size === 0) {
      posting.byType.delete(type);
      if (posting.lastList === list) posting.lastType = posting.lastList = undefined;
    }
    if (posting.byType.size === 0) byKey.delete(key);
  }

  /** Posting lists as a set of ids (the lists of different types never overlap: a document has one type). */
  private view(lists: PostingList[]): IdSet {
    const { numberOf, idOf } = this;
    return {
      postings: lists,
      size: lists.reduce((total, list) => total + list.size, 0),
      has(id) {
        const n = numberOf(id);
        return n !== undefined && lists.some((list) => list.has(n));
      },
      [Symbol.iterator]() {
        const ids: string[] = [];
        for (const list of lists) list.ids(idOf, ids);
        return ids[Symbol.iterator]();
      },
    };
  }
}
