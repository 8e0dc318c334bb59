/**
 * Parses one search value by parameter type, with its modifier and prefix. Malformed values throw badRequest
 * naming the parameter. https://hl7.org/fhir/R4/search.html#ptypes
 */
import { badRequest } from '../fhir/outcomes.ts';
import { parseReference } from './index-keys.ts';
import type { SearchParamType } from './registry.ts';
import type { Prefix, SearchValue } from './search-request.ts';
import { dateRange, numberRange } from './values.ts';

const PREFIXES = new Set<Prefix>(['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap']);

/** Splits on an unescaped separator; `\,`, `\|`, `\$` and `\\` stay escaped for the next split. */
export function splitEscaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && i + 1 < text.length) {
      current += text[i] + text[i + 1];
      i++;
    } else if (text[i] === separator) {
      parts.push(current);
      current = '';
    } else current += text[i];
  }
  parts.push(current);
  return parts;
}

export const unescape = (text: string): string => text.replace(/\\([,|$\\])/g, '$1');

/** Parses one value (already split on commas) of a parameter of `type`. */
export function parseSearchValue(name: string, type: SearchParamType, modifier: string | undefined, raw: string): SearchValue {
  if (modifier === 'missing') {
    if (raw !== 'true' && raw !== 'false') throw badRequest(`${name}: :missing takes true or false`, name);
    return { kind: 'missing', missing: raw === 'true' };
  }
  switch (type) {
    case 'token':
      if (modifier === 'text') return { kind: 'string', text: unescape(raw) };
      if (modifier === 'of-type') return parseOfType(name, raw);
      if (modifier === 'in' || modifier === 'not-in') return { kind: 'uri', uri: unescape(raw) };
      return parseToken(raw);
    case 'string':
      return { kind: 'string', text: unescape(raw) };
    case 'date':
      return parseDate(name, raw);
    case 'number':
    case 'quantity':
      return parseNumber(name, raw, type === 'quantity');
    case 'reference':
      return parseReferenceValue(name, modifier, raw);
    case 'uri':
      if (!raw) throw badRequest(`${name}: empty uri`, name);
      return { kind: 'uri', uri: unescape(raw) };
    default:
      throw badRequest(`${name}: parameters of type ${type} are not supported here`, name);
  }
}

export function parseToken(raw: string): { kind: 'token'; system?: string; code?: string } {
  const parts = splitEscaped(raw, '|').map(unescape);
  if (parts.length === 1) return { kind: 'token', code: parts[0] };
  const [system, code] = [parts[0], parts.slice(1).join('|')];
  return { kind: 'token', system, ...(code !== '' && { code }) };
}

function parseOfType(name: string, raw: string): SearchValue {
  const parts = splitEscaped(raw, '|').map(unescape);
  if (parts.length !== 3 || parts.some((p) => !p)) throw badRequest(`${name}: :of-type takes system|code|value`, name);
  return { kind: 'ofType', system: parts[0], code: parts[1], value: parts[2] };
}

function splitPrefix(raw: string): [Prefix, string] {
  const head = raw.slice(0, 2) as Prefix;
  return PREFIXES.has(head) && !/^\d/.test(raw) ? [head, raw.slice(2)] : ['eq', raw];
}

function parseDate(name: string, raw: string): SearchValue {
  const [prefix, text] = splitPrefix(raw);
  const range = dateRange(text);
  if (!range) throw badRequest(`${name}: '${raw}' is not a valid date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime)`, name);
  return { kind: 'date', prefix, ...range };
}

function parseNumber(name: string, raw: string, quantity: boolean): SearchValue {
  const [prefix, rest] = splitPrefix(raw);
  const parts = quantity ? splitEscaped(rest, '|').map(unescape) : [rest];
  if (parts.length !== 1 && parts.length !== 3) throw badRequest(`${name}: quantity takes number|system|code`, name);
  const range = numberRange(parts[0]);
  if (!range) throw badRequest(`${name}: '${raw}' is not a valid number`, name);
  const [, system, code] = parts;
  return { kind: 'number', prefix, ...range, ...(system && { system }), ...(code && { code }) };
}

function parseReferenceValue(name: string, modifier: string | undefined, raw: string): SearchValue {
  const text = unescape(raw);
  if (!text) throw badRequest(`${name}: empty reference`, name);
  // subject:Patient=123 names the type by modifier
  if (modifier && /^[A-Z]/.test(modifier) && !text.includes('/')) return { kind: 'reference', reference: `${modifier}/${text}` };
  if (text.includes('/')) {
    const typed = parseReference(text);
    if (typed && !text.includes('://')) return { kind: 'reference', reference: `${typed.type}/${typed.id}` };
    return { kind: 'reference', reference: text };
  }
  return { kind: 'reference', id: text };
}
