/**
 * Turns the values a SearchParameter's expression yields into index entries, one function per parameter type.
 * Values arrive as plain FHIR JSON; their datatype is recognised by shape (a CodeableConcept has `coding`, an
 * Identifier a string `value`, a Period `start`/`end`, ...). https://hl7.org/fhir/R4/search.html#ptypes
 */
import type { IndexEntries } from '../store/types.ts';
import { ofTypeKey, parseReference, referenceKey, tokenIndexKeys } from './index-keys.ts';
import { canonicalQuantity, UCUM } from './ucum-units.ts';
import { dateRange, MAX_DATE, MIN_DATE, normalizeString } from './values.ts';

type Json = Record<string, unknown>;
type SortValue = string | number | Date;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null;
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Keeps the lowest value as `srt[code]` and the highest as `srtHi[code]`. */
export function addSortKey(entries: IndexEntries, code: string, lo: SortValue, hi: SortValue = lo): void {
  const cur = entries.srt[code];
  if (cur === undefined || lo < cur) entries.srt[code] = lo;
  const curHi = entries.srtHi[code];
  if (curHi === undefined || hi > curHi) entries.srtHi[code] = hi;
}

/**
 * https://hl7.org/fhir/R4/search.html#token. `keysOnly`: no text or sort entries (a composite's first part, whose
 * keys become names).
 */
export function addTokenValues(entries: IndexEntries, code: string, values: unknown[], keysOnly = false): boolean {
  const before = entries.tok.length + entries.txt.length;
  for (const value of values) {
    if (typeof value === 'string') addToken(entries, code, keysOnly, undefined, value);
    else if (typeof value === 'boolean' || typeof value === 'number') addToken(entries, code, keysOnly, undefined, String(value));
    else if (!isObject(value)) continue;
    else if (Array.isArray(value.coding) || (str(value.text) && value.code === undefined && value.value === undefined)) {
      for (const coding of (value.coding as unknown[] | undefined) ?? []) {
        if (!isObject(coding)) continue;
        addToken(entries, code, keysOnly, str(coding.system), str(coding.code));
        if (!keysOnly) addText(entries, code, coding.display);
      }
      if (!keysOnly) addText(entries, code, value.text);
    } else if (typeof value.value === 'string') {
      // Identifier or ContactPoint: system|value
      addToken(entries, code, keysOnly, str(value.system), value.value);
      const type = isObject(value.type) ? value.type : undefined;
      for (const coding of (type?.coding as Json[] | undefined) ?? []) {
        if (str(coding.system) && str(coding.code)) {
          entries.tok.push(ofTypeKey(code, coding.system as string, coding.code as string, value.value));
        }
      }
      if (!keysOnly) addText(entries, code, type?.text);
    } else if (value.code !== undefined || value.system !== undefined) {
      addToken(entries, code, keysOnly, str(value.system), str(value.code));
      if (!keysOnly) addText(entries, code, value.display);
    }
  }
  return entries.tok.length + entries.txt.length > before;
}

function addToken(entries: IndexEntries, code: string, keysOnly: boolean, system: string | undefined, value: string | undefined): void {
  for (const key of tokenIndexKeys(code, system, value)) entries.tok.push(key);
  if (value && !keysOnly) addSortKey(entries, code, value);
}

/** A CodeableConcept's text is often its coding's display: the same entry twice would match nothing more. */
function addText(entries: IndexEntries, code: string, text: unknown): void {
  if (!str(text)) return;
  const v = normalizeString(text as string);
  if (!entries.txt.some((entry) => entry.p === code && entry.v === v)) entries.txt.push({ p: code, v });
}

const NAME_PARTS = ['prefix', 'given', 'family', 'suffix', 'text'];
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'];

/** https://hl7.org/fhir/R4/search.html#string */
export function addStringValues(entries: IndexEntries, code: string, values: unknown[]): boolean {
  const seen = new Set<string>();
  for (const value of values) {
    if (typeof value === 'string') addString(entries, code, seen, value);
    else if (isObject(value)) {
      const parts = 'family' in value || 'given' in value ? NAME_PARTS : 'city' in value || 'line' in value ? ADDRESS_PARTS : undefined;
      const texts: string[] = [];
      for (const part of parts ?? Object.keys(value)) collectStrings(value[part], texts);
      for (const text of texts) addString(entries, code, seen, text);
      // The whole name or address, so "peter james" matches as well as "james".
      if (parts && texts.length > 1 && !value.text) addString(entries, code, seen, texts.join(' '));
    }
  }
  return seen.size > 0;
}

function addString(entries: IndexEntries, code: string, seen: Set<string>, raw: string): void {
  const v = normalizeString(raw);
  if (!v || seen.has(v)) return;
  seen.add(v);
  entries.str.push({ p: code, v }, { p: `${code}:exact`, v: raw });
  addSortKey(entries, code, v);
}

function collectStrings(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    if (value.length > 0) out.push(value);
  } else if (Array.isArray(value)) for (const v of value) if (typeof v === 'string' && v.length > 0) out.push(v);
}

/** https://hl7.org/fhir/R4/search.html#date */
export function addDateValues(entries: IndexEntries, code: string, values: unknown[]): boolean {
  const before = entries.dt.length;
  for (const value of values) {
    if (typeof value === 'string') {
      const range = dateRange(value);
      if (range) addDate(entries, code, range.lo, range.hi);
    } else if (isObject(value)) {
      if ('start' in value || 'end' in value) {
        const lo = str(value.start) ? dateRange(value.start as string)?.lo : MIN_DATE;
        const hi = str(value.end) ? dateRange(value.end as string)?.hi : MAX_DATE;
        if (lo && hi) addDate(entries, code, lo, hi);
      }
      for (const event of (value.event as unknown[] | undefined) ?? []) {
        const range = typeof event === 'string' ? dateRange(event) : undefined;
        if (range) addDate(entries, code, range.lo, range.hi);
      }
    }
  }
  return entries.dt.length > before;
}

function addDate(entries: IndexEntries, code: string, lo: Date, hi: Date): void {
  entries.dt.push({ p: code, lo, hi });
  addSortKey(entries, code, lo, hi);
}

/** Numbers and Quantities (plus a UCUM-canonical entry). https://hl7.org/fhir/R4/search.html#quantity */
export function addNumberValues(entries: IndexEntries, code: string, values: unknown[]): boolean {
  const before = entries.num.length;
  for (const value of values) {
    if (typeof value === 'number') {
      entries.num.push({ p: code, v: value });
      addSortKey(entries, code, value);
    } else if (isObject(value)) {
      if ('value' in value) addQuantity(entries, code, value);
      else if ('low' in value || 'high' in value) {
        if (isObject(value.low)) addQuantity(entries, code, value.low);
        if (isObject(value.high)) addQuantity(entries, code, value.high);
      }
    }
  }
  return entries.num.length > before;
}

function addQuantity(entries: IndexEntries, code: string, q: Json): void {
  if (typeof q.value !== 'number') return;
  const unit = str(q.code) ?? str(q.unit);
  entries.num.push({ p: code, v: q.value, ...(str(q.system) && { sys: q.system as string }), ...(unit && { code: unit }) });
  addSortKey(entries, code, q.value);
  const canonical = q.system === UCUM && str(q.code) ? canonicalQuantity(q.value, q.code as string) : undefined;
  // Under its own name, so a unit-less search (`value-quantity=5`) compares only the values as recorded.
  if (canonical) entries.num.push({ p: `${code}:canonical`, v: canonical.value, sys: UCUM, code: canonical.code });
}

/** https://hl7.org/fhir/R4/search.html#reference */
export function addReferenceValues(entries: IndexEntries, code: string, values: unknown[]): boolean {
  const before = entries.ref.length + entries.tok.length;
  for (const value of values) {
    if (typeof value === 'string') addReferenceUrl(entries, code, value);
    else if (isObject(value)) {
      if (str(value.reference) && !(value.reference as string).startsWith('#')) addReferenceUrl(entries, code, value.reference as string);
      const identifier = isObject(value.identifier) ? value.identifier : undefined;
      if (identifier && str(identifier.value)) {
        entries.tok.push(...tokenIndexKeys(`${code}:identifier`, str(identifier.system), identifier.value as string));
      }
    }
  }
  return entries.ref.length + entries.tok.length > before;
}

function addReferenceUrl(entries: IndexEntries, code: string, url: string): void {
  const typed = parseReference(url);
  if (typed) entries.ref.push(referenceKey(code, `${typed.type}/${typed.id}`));
  if (!typed || url.includes('://') || url.includes('/_history/')) entries.ref.push(referenceKey(code, url));
  // A canonical with a version (url|1.0) is also found by its bare url.
  if (url.includes('|')) entries.ref.push(referenceKey(code, url.slice(0, url.indexOf('|'))));
  addSortKey(entries, code, typed ? `${typed.type}/${typed.id}` : url);
}

/** https://hl7.org/fhir/R4/search.html#uri */
export function addUriValues(entries: IndexEntries, code: string, values: unknown[]): boolean {
  const before = entries.uri.length;
  for (const value of values) {
    if (typeof value !== 'string' || !value) continue;
    entries.uri.push({ p: code, v: value });
    if (value.includes('|')) entries.uri.push({ p: code, v: value.slice(0, value.indexOf('|')) });
    addSortKey(entries, code, value);
  }
  return entries.uri.length > before;
}
