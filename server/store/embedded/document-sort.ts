/**
 * Sorting documents by dotted paths the way MongoDB does, so both stores page through a search in the same order:
 * missing and null values come first ascending (last descending), values of different kinds order by BSON type
 * (numbers < strings < objects < booleans < dates), and an array sorts by its smallest element ascending and its
 * largest descending. https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/
 */

export type SortSpec = [string, 1 | -1][];

export function compareBySortSpec(sort: SortSpec): (a: object, b: object) => number {
  const keys = sort.map(([path, direction]) => ({ segments: path.split('.'), direction }));
  return (a, b) => {
    for (const { segments, direction } of keys) {
      const order = compareSortValues(sortValue(a, segments, direction), sortValue(b, segments, direction));
      if (order !== 0) return order * direction;
    }
    return 0;
  };
}

/**
 * The same order as compareBySortSpec, split in two so a search computes each document's sort values once
 * (`valuesOf`) and compares the small tuples (`compareValues`): much cheaper when a top-k page is picked from
 * tens of thousands of matches.
 */
export function sortTuples(sort: SortSpec): { valuesOf(document: object): unknown[]; compareValues(a: unknown[], b: unknown[]): number } {
  const keys = sort.map(([path, direction]) => ({ segments: path.split('.'), direction }));
  return {
    valuesOf: (document) => keys.map(({ segments, direction }) => sortValue(document, segments, direction)),
    compareValues: (a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const order = compareSortValues(a[i], b[i]);
        if (order !== 0) return order * keys[i].direction;
      }
      return 0;
    },
  };
}

function sortValue(document: object, segments: string[], direction: 1 | -1): unknown {
  let value: unknown = document;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  if (!Array.isArray(value)) return value;
  if (value.length === 0) return undefined;
  return value.reduce((best, v) => (compareSortValues(v, best) * direction < 0 ? v : best));
}

const BSON_TYPE_RANK = { missing: 0, number: 1, string: 2, object: 3, boolean: 4, date: 5 } as const;

function typeRank(value: unknown): number {
  if (value === undefined || value === null) return BSON_TYPE_RANK.missing;
  if (value instanceof Date) return BSON_TYPE_RANK.date;
  if (typeof value === 'number' || typeof value === 'bigint') return BSON_TYPE_RANK.number;
  if (typeof value === 'string') return BSON_TYPE_RANK.string;
  if (typeof value === 'boolean') return BSON_TYPE_RANK.boolean;
  return BSON_TYPE_RANK.object;
}

export function compareSortValues(a: unknown, b: unknown): number {
  const rankA = typeRank(a);
  const rankB = typeRank(b);
  if (rankA !== rankB) return rankA - rankB;
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (rankA === BSON_TYPE_RANK.object) return 0;
  // Strings compare by code unit, like MongoDB's default binary collation for the BMP.
  return a! < b! ? -1 : a! > b! ? 1 : 0;
}
