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

export const UCUM = 'http://unitsofmeasure.org';

// Common UCUM units folded to one canonical unit per dimension, so 5 mg and 0.005 g match the same search.
const UCUM_CANONICAL: Record<string, [string, number]> = {
  ug: ['g', 1e-6], mg: ['g', 1e-3], g: ['g', 1], kg: ['g', 1e3],
  uL: ['L', 1e-6], mL: ['L', 1e-3], dL: ['L', 0.1], L: ['L', 1],
  mm: ['m', 1e-3], cm: ['m', 1e-2], m: ['m', 1], km: ['m', 1e3],
  'mm[Hg]': ['Pa', 133.322], Pa: ['Pa', 1], kPa: ['Pa', 1e3],
  ms: ['s', 1e-3], s: ['s', 1], min: ['s', 60], h: ['s', 3600], d: ['s', 86400],
  '/s': ['/s', 1], '/min': ['/s', 1 / 60], '/h': ['/s', 1 / 3600],
  'mg/dL': ['g/L', 1e-2], 'g/dL': ['g/L', 10], 'g/L': ['g/L', 1], 'mg/L': ['g/L', 1e-3],
};

/** A UCUM quantity in its canonical unit, or undefined for units this table does not know. */
export function canonicalQuantity(value: number, code: string): { value: number; code: string } | undefined {
  const entry = UCUM_CANONICAL[code];
  if (!entry) return undefined;
  // Rounded to 12 significant digits so 1000 mg and 1 g compare equal.
  return { value: Number((value * entry[1]).toPrecision(12)), code: entry[0] };
}
