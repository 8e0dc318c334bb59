/** Splitting a MongoDB filter into the conditions that must all hold, for stores that answer some of them apart. */
import type { Filter } from './types.ts';

/** The filter as a list of conditions that must all hold: its keys, with nested `$and`s flattened. */
export function conjuncts(filter: Filter): Filter[] {
  return Object.entries(filter).flatMap(([key, value]) =>
    key === '$and' && Array.isArray(value) ? value.flatMap((item) => conjuncts(item as Filter)) : [{ [key]: value }],
  );
}
