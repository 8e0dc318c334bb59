/**
 * Converts a MongoDB filter to the in-memory document form, where dates are epoch milliseconds (record-codec.ts):
 * every Date in the filter becomes its millisecond value, so `{ lo: { $gte: <Date> } }` compares numbers with
 * numbers. `$type: 'date'` is therefore not supported by the embedded store.
 */
import type { Filter } from '../types.ts';
import { isPlainObject } from './candidate-selection.ts';

export function toMemoryFilter(filter: Filter): Filter {
  return convertDates(filter) as Filter;
}

function convertDates(value: unknown): unknown {
  if (value instanceof Date) return value.getTime();
  if (Array.isArray(value)) return value.map(convertDates);
  if (!isPlainObject(value)) return value;
  const converted: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key !== '__proto__') converted[key] = convertDates(inner);
  }
  return converted;
}
