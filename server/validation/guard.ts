/**
 * Refuses JSON that must reach nothing else: nesting deeper than any FHIR resource needs (a stack and CPU hazard
 * for every recursive consumer) and keys that JavaScript treats as prototype access (`__proto__`, `constructor`,
 * `prototype`), which a later object merge or query could turn into prototype pollution (DESIGN.md, "Errors
 * and bad input").
 */

export const MAX_DEPTH = 64;


export interface UnsafeJson {
  problem: string;
  /** Where, as a path of keys and indexes from the root: `extension[0].__proto__`. */
  path: string;
}

/** The first reason `value` is unsafe to process, or undefined. Recursion stops at MAX_DEPTH + 1. */
export function findUnsafeJson(value: unknown, depth = 1): UnsafeJson | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth > MAX_DEPTH) return { problem: `JSON is nested deeper than ${MAX_DEPTH} levels`, path: '' };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafeJson(value[i], depth + 1);
      if (found) return { problem: found.problem, path: `[${i}]${found.path ? prefixed(found.path) : ''}` };
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      return { problem: `The key '${key}' is not allowed`, path: key };
    }
    const found = findUnsafeJson((value as Record<string, unknown>)[key], depth + 1);
    if (found) return { problem: found.problem, path: found.path ? `${key}${prefixed(found.path)}` : key };
  }
  return undefined;
}

function prefixed(path: string): string {
  return path.startsWith('[') ? path : `.${path}`;
}
