/**
 * The canonical form of a query: a stable JSON text of its parsed, meaning-bearing parts (parameter order,
 * whitespace and key order do not change it). It keys the noise draw and identifies repeats in the ledger.
 */

/** A stable JSON text: object keys sorted, dates as ISO strings, arrays of unordered parts sorted by the caller. */
export function stableStringify(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A set of parts (ANDed filters, ORed values) in one order whatever order they came in. */
export function canonicalSet(parts: unknown[]): string[] {
  return parts.map(stableStringify).sort();
}
