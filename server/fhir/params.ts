/** Parsing the result parameters shared by search and history. */
import type { SiteLimits } from './context.ts';
import { badRequest } from './outcomes.ts';

export function parseCount(text: string | undefined, limits: SiteLimits): number {
  if (text === undefined) return limits.defaultCount;
  if (!/^\d{1,9}$/.test(text)) throw badRequest(`Invalid _count: ${text.slice(0, 40)}`, '_count');
  return Math.min(Number(text), limits.maxCount);
}

export function parseOffset(text: string | undefined): number {
  if (text === undefined) return 0;
  if (!/^\d{1,9}$/.test(text)) throw badRequest(`Invalid _offset: ${text.slice(0, 40)}`, '_offset');
  return Number(text);
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** An instant with a time zone, as `_since` requires: https://hl7.org/fhir/R4/http.html#history */
export function parseInstant(text: string, name: string): Date {
  const date = new Date(text);
  if (!INSTANT.test(text) || Number.isNaN(date.getTime())) {
    throw badRequest(`Invalid ${name}: "${text.slice(0, 40)}" (an instant with time zone, e.g. 2024-01-01T00:00:00Z)`, name);
  }
  return date;
}
