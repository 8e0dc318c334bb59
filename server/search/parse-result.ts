/**
 * The result parameters of a search: `_count`, `_offset`, `_cursor`, `_sort`, `_include`, `_revinclude`, `_summary`,
 * `_elements`, `_total`. https://hl7.org/fhir/R4/search.html#return
 */
import { badRequest } from '../fhir/outcomes.ts';
import { decodeCursor } from './cursor.ts';
import { findParameter, type ParseOptions } from './parse.ts';
import { getSearchParameter, isResourceType } from './registry.ts';
import type { IncludeTarget, SearchRequest } from './search-request.ts';

const SUMMARY = ['true', 'text', 'data', 'count', 'false'] as const;
const TOTAL = ['none', 'estimate', 'accurate'] as const;
/** Sorting on these reads the stored document's own fields. */
export const DOCUMENT_SORT_CODES = new Set(['_id', '_lastUpdated']);

type Warn = (message: string, name: string) => void;

/** Applies a result parameter to the request; false when `name` is not one (then it is a filter). */
export function parseResultParameter(
  request: SearchRequest,
  name: string,
  value: string,
  options: ParseOptions,
  warn: Warn,
): boolean {
  const [base, modifier] = name.split(':');
  switch (base) {
    case '_count': {
      const count = parseNonNegativeInteger(name, value);
      const max = options.maxCount ?? 1000;
      if (count > max) warn(`_count ${count} is above the maximum ${max}; ${max} used`, name);
      request.count = Math.min(count, max);
      return true;
    }
    case '_offset':
      request.offset = parseNonNegativeInteger(name, value);
      request.offsetRequested = true;
      return true;
    case '_cursor':
      request.cursor = decodeCursor(value);
      return true;
    case '_sort':
      parseSort(request, value, warn);
      return true;
    case '_include':
    case '_revinclude': {
      if (modifier !== undefined && modifier !== 'iterate' && modifier !== 'recurse') {
        throw badRequest(`${name}: unknown modifier :${modifier}`, name);
      }
      const list = base === '_include' ? request.include : request.revinclude;
      for (const item of value.split(',')) list.push(parseInclude(name, item, modifier !== undefined));
      return true;
    }
    case '_summary':
      if (!(SUMMARY as readonly string[]).includes(value)) throw badRequest(`_summary must be one of ${SUMMARY.join(', ')}`, name);
      request.summary = value as SearchRequest['summary'];
      return true;
    case '_elements':
      request.elements = value.split(',').map((e) => e.trim()).filter(Boolean);
      return true;
    case '_total':
      if (!(TOTAL as readonly string[]).includes(value)) throw badRequest(`_total must be one of ${TOTAL.join(', ')}`, name);
      request.total = value as SearchRequest['total'];
      return true;
    case '_contained':
      // Contained resources are never returned on their own: `false` (the default) is what every search does.
      if (value !== 'false') warn(`_contained=${value.slice(0, 16)} is not supported; contained resources are not searched on their own`, name);
      return true;
    case '_containedType':
      warn(`${name} is not supported and was ignored`, name);
      return true;
    default:
      return false;
  }
}

function parseNonNegativeInteger(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw badRequest(`${name} must be a non-negative integer, not '${value.slice(0, 32)}'`, name);
  return Number(value);
}

function parseSort(request: SearchRequest, value: string, warn: Warn): void {
  for (const item of value.split(',').filter(Boolean)) {
    const descending = item.startsWith('-');
    const code = descending ? item.slice(1) : item;
    const types = request.resourceType ? [request.resourceType] : (request.types ?? ['Resource']);
    if (!DOCUMENT_SORT_CODES.has(code) && !findParameter(types, code)) {
      warn(`Unknown sort parameter '${code}'`, '_sort');
      continue;
    }
    request.sort.push({ code, descending });
  }
}

/** `Type:param[:targetType]` or `*`. https://hl7.org/fhir/R4/search.html#include */
function parseInclude(name: string, item: string, iterate: boolean): IncludeTarget {
  const [type, code, targetType, ...rest] = item.split(':');
  if (item === '*') return { type: '*', code: '*', iterate };
  if (!type || !code || rest.length > 0 || !isResourceType(type)) {
    throw badRequest(`${name}: expected Type:parameter[:targetType], not '${item.slice(0, 64)}'`, name);
  }
  if (code !== '*') {
    const def = getSearchParameter(type, code);
    if (def?.type !== 'reference') throw badRequest(`${name}: ${type}:${code} is not a reference parameter`, name);
    if (targetType && !def.target.includes(targetType)) throw badRequest(`${name}: ${type}:${code} cannot refer to ${targetType}`, name);
  }
  return { type, code, ...(targetType && { targetType }), iterate };
}
