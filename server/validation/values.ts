/**
 * Comparison of instance values with a profile's fixed[x] and pattern[x]
 * (https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.fixed_x_).
 */

/** fixed[x]: the same value, every property and array item alike. */
export function sameValue(value: unknown, fixed: unknown): boolean {
  if (value === fixed) return true;
  if (Array.isArray(fixed)) {
    return Array.isArray(value) && value.length === fixed.length && fixed.every((f, i) => sameValue(value[i], f));
  }
  if (!isObject(fixed) || !isObject(value)) return false;
  const keys = Object.keys(fixed);
  return keys.length === Object.keys(value).length && keys.every((k) => sameValue(value[k], fixed[k]));
}

/** pattern[x]: every property the pattern has, with the same value; each pattern array item matched by some item. */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (value === pattern) return true;
  if (Array.isArray(pattern)) {
    return Array.isArray(value) && pattern.every((p) => value.some((v) => matchesPattern(v, p)));
  }
  if (!isObject(pattern) || !isObject(value)) return false;
  return Object.keys(pattern).every((k) => matchesPattern(value[k], pattern[k]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
