/**
 * Checks on untrusted JSON before it reaches a handler, a store or an object merge: keys that could poison
 * prototypes, and nesting deep enough to exhaust the stack of every recursive walk after it.
 */
import { badRequest } from './outcomes.ts';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
export const MAX_JSON_DEPTH = 64;

/** Throws 400 naming the path of the first forbidden key or of the point where nesting exceeds MAX_JSON_DEPTH. */
export function assertSafeJson(value: unknown, path = '$'): void {
  walk(value, path, 0);
}

function walk(value: unknown, path: string, depth: number): void {
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_JSON_DEPTH) throw badRequest(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`, path);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walk(value[i], `${path}[${i}]`, depth + 1);
    return;
  }
  for (const key of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(key)) throw badRequest(`Forbidden property name "${key}"`, `${path}.${key}`);
    walk((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
  }
}
