/**
 * Key -> document ids, over the exact-match fields a search selects on first (DESIGN.md: "keeps an inverted index
 * over the same tok/ref keys to pick candidates"). Each key's postings are kept per resource type, because nearly
 * every search names its type: `Observation?code=X` is then one lookup whose size is the answer to a count, with
 * no intersection with the million ids of the type. Each key string is kept once and shared by every document that
 * carries it, which matters at a million resources: the same "status||final" would otherwise be stored a million times.
 */

/** The document fields whose values are exact-match keys. */
export const INDEXED_FIELDS = ['type', 'tok', 'ref', 'compartments'] as const;
export type IndexedField = (typeof INDEXED_FIELDS)[number];

export function isIndexedField(field: string): field is IndexedField {
  return (INDEXED_FIELDS as readonly string[]).includes(field);
}

/** The read side of a set of document ids (a Set, or a view over several). */
export interface IdSet extends Iterable<string> {
  readonly size: number;
  has(id: string): boolean;
}

interface Posting {
  key: string;
  byType: Map<string, Set<string>>;
}

const NO_IDS: IdSet = new Set<string>();

export class InvertedIndex {
  private readonly postings = new Map<IndexedField, Map<string, Posting>>(INDEXED_FIELDS.map((f) => [f, new Map()]));

  /** Adds a document of `type` under each key; returns the keys as the shared strings, for the document to hold. */
  add(field: IndexedField, keys: readonly string[], documentId: string, type: string): string[] {
    const byKey = this.postings.get(field)!;
    return keys.map((key) => {
      let posting = byKey.get(key);
      if (!posting) {
        posting = { key, byType: new Map() };
        byKey.set(key, posting);
      }
      let ids = posting.byType.get(type);
      if (!ids) posting.byType.set(type, (ids = new Set()));
      ids.add(documentId);
      return posting.key;
    });
  }

  remove(field: IndexedField, keys: readonly string[], documentId: string, type: string): void {
    const byKey = this.postings.get(field)!;
    for (const key of keys) {
      const posting = byKey.get(key);
      const ids = posting?.byType.get(type);
      if (!posting || !ids) continue;
      ids.delete(documentId);
      if (ids.size === 0) posting.byType.delete(type);
      if (posting.byType.size === 0) byKey.delete(key);
    }
  }

  /**
   * The ids of the current documents carrying the key, of `type` when given (live: do not hold on to it across
   * writes). Without a type, a view over every type's postings.
   */
  lookup(field: IndexedField, key: string, type?: string): IdSet {
    const posting = this.postings.get(field)!.get(key);
    if (!posting) return NO_IDS;
    if (type !== undefined) return posting.byType.get(type) ?? NO_IDS;
    if (posting.byType.size === 1) return posting.byType.values().next().value!;
    return unionView([...posting.byType.values()]);
  }
}

/** A read-only union of disjoint sets (a document has one type, so the per-type postings never overlap). */
function unionView(sets: Set<string>[]): IdSet {
  return {
    size: sets.reduce((n, s) => n + s.size, 0),
    has: (id) => sets.some((s) => s.has(id)),
    *[Symbol.iterator]() {
      for (const set of sets) yield* set;
    },
  };
}
