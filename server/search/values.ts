/**
 * Value normalisation shared by extraction (write time) and compilation (query time), so both sides of a
 * comparison are built the same way. https://hl7.org/fhir/R4/search.html#ptypes
 */

/** Strings match case- and accent-insensitively: lower-case, NFD, combining marks stripped. */
export function normalizeString(value: string): string {
  // Most values are ASCII: skip the costly NFD pass for them.
  if (/^[\x20-\x7e]*$/.test(value)) return value.toLowerCase().trim();
  return value.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().trim();
}

/** Escapes a literal for use inside a regular expression. */
export function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** A URI and every ancestor path of it: http://a/b/c is below http://a/b and http://a. */
export function uriAncestors(uri: string): string[] {
  const prefixes: string[] = [];
  for (let i = uri.indexOf('//') + 2; i > 1 && i < uri.length; i = uri.indexOf('/', i + 1)) {
    if (i < 0) break;
    prefixes.push(uri.slice(0, i));
  }
  return [...prefixes, uri];
}

export interface DateRange {
  lo: Date;
  hi: Date;
}

export const MIN_DATE = new Date(Date.UTC(1, 0, 1));
export const MAX_DATE = new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999));

const DATE_PATTERN =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The instants a FHIR date, dateTime or instant covers at its precision, inclusive at both ends
 * ("2013-01" is all of January 2013). Times without a zone are taken as UTC. Undefined if malformed.
 * https://hl7.org/fhir/R4/search.html#date
 */
export function dateRange(value: string): DateRange | undefined {
  const m = DATE_PATTERN.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = mo ? Number(mo) - 1 : 0;
  const day = d ? Number(d) : 1;
  if (month > 11 || day < 1 || day > 31) return undefined;
  const offsetMs = zone && zone !== 'Z' ? zoneOffsetMs(zone) : 0;
  const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
  const start = Date.UTC(year, month, day, Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms) - offsetMs;
  let end: number;
  if (!mo) end = Date.UTC(year + 1, 0, 1) - offsetMs;
  else if (!d) end = Date.UTC(year, month + 1, 1) - offsetMs;
  else if (!h) end = Date.UTC(year, month, day + 1) - offsetMs;
  else if (!s) end = start + 60_000;
  else if (!frac) end = start + 1000;
  else end = start + 1;
  const lo = new Date(start);
  // Date.UTC treats years 0..99 as 1900+; setUTCFullYear keeps them literal.
  if (year < 100) lo.setUTCFullYear(year);
  return { lo, hi: new Date(end - 1) };
}

function zoneOffsetMs(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hh, mm] = zone.slice(1).split(':').map(Number);
  return sign * (hh * 60 + mm) * 60_000;
}

/** The interval a decimal's precision implies: "5.4" covers [5.35, 5.45). https://hl7.org/fhir/R4/search.html#number */
export function numberRange(text: string): { value: number; lo: number; hi: number } | undefined {
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  const value = Number(text);
  const mantissa = text.split(/[eE]/)[0];
  const exponent = /[eE]/.test(text) ? Number(text.split(/[eE]/)[1]) : 0;
  const decimals = mantissa.includes('.') ? mantissa.split('.')[1].length : 0;
  const half = 0.5 * Math.pow(10, exponent - decimals);
  return { value, lo: value - half, hi: value + half };
}
