/**
 * Key -> document ids, over the exact-match fields a search selects on first (DESIGN.md: "keeps an inverted index
 * over the same tok/ref keys to pick candidates"). Each key string is kept once and shared by every document that
 * carries it, which matters at a million resources: the same "status||final" would otherwise be stored a million times.
 */

/** The document fields whose values are exact-match keys. */
export const INDEXED_FIELDS = ['type', 'tok', 'ref', 'compartments'] as const;
export type IndexedField = (typeof INDEXED_FIELDS)[number];

export function isIndexedField(field: string): field is IndexedField {
  return (INDEXED_FIELDS as readonly string[]).includes(field);
}

interface Posting {
  key: string;
  ids: Set<string>;
}

const NO_IDS: ReadonlySet<string> = new Set();

export class InvertedIndex {
  private readonly postings = new Map<IndexedField, Map<string, Posting>>(INDEXED_FIELDS.map((f) => [f, new Map()]));

  /** Adds a document under each key; returns the keys as the shared strings, for the document to hold. */
  add(field: IndexedField, keys: readonly string[], documentId: string): string[] {
    const byKey = this.postings.get(field)!;
    return keys.map((key) => {
      let posting = byKey.get(key);
      if (!posting) {
        posting = { key, ids: new Set() };
        byKey.set(key, posting);
      }
      posting.ids.add(documentId);
      return posting.key;
    });
  }

  remove(field: IndexedField, keys: readonly string[], documentId: string): void {
    const byKey = this.postings.get(field)!;
    for (const key of keys) {
      const posting = byKey.get(key);
      if (!posting) continue;
      posting.ids.delete(documentId);
      if (posting.ids.size === 0) byKey.delete(key);
    }
  }

  /** The ids of the current documents carrying the key (live: do not hold on to it across writes). */
  lookup(field: IndexedField, key: string): ReadonlySet<string> {
    return this.postings.get(field)!.get(key)?.ids ?? NO_IDS;
  }
}
