/**
 * Compiles a SearchRequest into a MongoDB query document over the stored document fields. Only operators that
 * MongoDB, FerretDB 1.x and mingo all support are used; token and reference conditions are exact keys, so the
 * stores can answer them from an index. Chains and `_has` must be resolved first (see execute.ts).
 * https://hl7.org/fhir/R4/search.html
 */
import { serverError } from '../fhir/outcomes.ts';
import type { Filter } from '../store/types.ts';
import { compileDate, compileLastUpdated, compileNumber } from './compile-ranges.ts';
import { ofTypeKey, presenceKey, referenceKey, tokenKey } from './index-keys.ts';
import { DOCUMENT_SORT_CODES } from './parse-result.ts';
import { getResourceTypes } from './registry.ts';
import type { ParameterFilter, ResolvedFilter, SearchFilter, SearchRequest, SearchValue } from './search-request.ts';
import { escapeRegex, normalizeString, uriAncestors } from './values.ts';

/** The query document of a search (https://hl7.org/fhir/R4/search.html), its filters as given or resolved. */
export function compileFilter(request: Pick<SearchRequest, 'resourceType' | 'types' | 'compartment'> & { filters: readonly (SearchFilter | ResolvedFilter)[] }): Filter {
  const filter: Filter = { deleted: false };
  if (request.resourceType) filter.type = request.resourceType;
  else if (request.types) filter.type = { $in: request.types };
  if (request.compartment) filter.compartments = request.compartment;
  const conditions = request.filters.map(compileSearchFilter);
  if (conditions.length > 0) filter.$and = conditions;
  return filter;
}

/** Sort keys: `srt.<code>` ascending, `srtHi.<code>` descending, then `_id` for a stable order. */
export function compileSort(request: SearchRequest): [string, 1 | -1][] {
  const sort: [string, 1 | -1][] = request.sort.map(({ code, descending }) => {
    const dir = descending ? -1 : 1;
    if (code === '_id') return ['id', dir];
    if (code === '_lastUpdated') return ['lastUpdated', dir];
    return [`${descending ? 'srtHi' : 'srt'}.${code}`, dir];
  });
  sort.push(['_id', 1]);
  return sort;
}

export function compileSearchFilter(filter: SearchFilter | ResolvedFilter): Filter {
  if (filter.kind === 'store') return filter.condition;
  if (filter.kind !== 'parameter') throw serverError(`Unresolved ${filter.kind} filter on ${filter.code}`);
  const missing = filter.values.find((v) => v.kind === 'missing');
  if (missing) return compileMissing(filter.code, missing.missing);
  if (DOCUMENT_SORT_CODES.has(filter.code)) return compileDocumentField(filter);
  switch (filter.type) {
    case 'token':
      return compileToken(filter);
    case 'reference':
      return compileReference(filter);
    default:
      return anyOf(filter.values.map((v) => compileValue(filter.code, filter.modifier, v, filter.targetTypes ?? [])));
  }
}

function compileMissing(code: string, missing: boolean): Filter {
  if (DOCUMENT_SORT_CODES.has(code)) return missing ? { id: { $exists: false } } : {};
  return missing ? { tok: { $ne: presenceKey(code) } } : { tok: presenceKey(code) };
}

/** `_id` and `_lastUpdated` read the document's own `id` and `lastUpdated`. */
function compileDocumentField(filter: ParameterFilter): Filter {
  if (filter.code === '_lastUpdated') return anyOf(filter.values.map(compileLastUpdated));
  // A loop, not flatMap: a resolved `_has` brings thousands of ids, and an array per id was a tenth of its time.
  const ids: string[] = [];
  for (const v of filter.values) if (v.kind === 'token' && v.code) ids.push(v.code);
  if (filter.modifier === 'not') return { id: { $nin: ids } };
  return ids.length === 1 ? { id: ids[0] } : { id: { $in: ids } };
}

function compileToken(filter: ParameterFilter): Filter {
  const { code, modifier } = filter;
  if (modifier === 'text') {
    return anyOf(filter.values.map((v) => ({ txt: { $elemMatch: { p: code, v: { $regex: `^${escapeRegex(normalizeString((v as { text: string }).text))}` } } } })));
  }
  const keys: string[] = [];
  const prefixes: Filter[] = [];
  for (const v of filter.values) {
    if (v.kind === 'ofType') keys.push(ofTypeKey(code, v.system, v.code, v.value));
    else if (v.kind === 'token') keys.push(tokenKey(code, v.system, v.code));
    // The key of a code that starts with the prefix starts with this key's text: one anchored regex.
    else if (v.kind === 'tokenPrefix') prefixes.push({ tok: { $regex: `^${escapeRegex(tokenKey(code, v.system, v.prefix))}` } });
    else throw serverError(`Unexpected ${v.kind} value for token ${code}`);
  }
  if (modifier === 'not') return prefixes.length === 0 ? { tok: { $nin: keys } } : { $nor: [anyOf([{ tok: { $in: keys } }, ...prefixes])] };
  const exact = keys.length === 1 ? { tok: keys[0] } : { tok: { $in: keys } };
  return prefixes.length === 0 ? exact : anyOf([...(keys.length > 0 ? [exact] : []), ...prefixes]);
}

function compileReference(filter: ParameterFilter): Filter {
  const { code, modifier } = filter;
  if (modifier === 'identifier') {
    const keys = filter.values.map((v) => (v.kind === 'token' ? tokenKey(`${code}:identifier`, v.system, v.code) : ''));
    return keys.length === 1 ? { tok: keys[0] } : { tok: { $in: keys } };
  }
  const keys = filter.values.flatMap((v) => referenceKeys(code, v, filter.targetTypes ?? []));
  return keys.length === 1 ? { ref: keys[0] } : { ref: { $in: keys } };
}

/** The ref keys one reference value may be indexed under. */
export function referenceKeys(code: string, value: SearchValue, targetTypes: string[]): string[] {
  if (value.kind !== 'reference') return [];
  if (value.reference) {
    const keys = [referenceKey(code, value.reference)];
    // An absolute URL to a resource of ours was indexed as Type/id too.
    const m = /\/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(value.reference);
    if (value.reference.includes('://') && m) keys.push(referenceKey(code, m[1]));
    return keys;
  }
  const types = targetTypes.length > 0 ? targetTypes : getResourceTypes();
  return types.map((t) => referenceKey(code, `${t}/${value.id}`));
}

function compileValue(code: string, modifier: string | undefined, value: SearchValue, targetTypes: string[]): Filter {
  switch (value.kind) {
    case 'string':
      return { str: { $elemMatch: compileString(code, modifier, value.text) } };
    case 'date':
      return { dt: { $elemMatch: { p: code, ...compileDate(value) } } };
    case 'number':
      return compileNumber(code, value);
    case 'uri':
      return { uri: { $elemMatch: { p: code, v: compileUri(modifier, value.uri) } } };
    case 'composite':
      return compileComposite(code, value, targetTypes);
    default:
      throw serverError(`Unexpected ${value.kind} value for ${code}`);
  }
}

function compileString(code: string, modifier: string | undefined, text: string): Filter {
  if (modifier === 'exact') return { p: `${code}:exact`, v: text };
  const normalized = escapeRegex(normalizeString(text));
  return { p: code, v: { $regex: modifier === 'contains' ? normalized : `^${normalized}` } };
}

function compileUri(modifier: string | undefined, uri: string): unknown {
  if (modifier === 'below') return { $regex: `^${escapeRegex(uri)}` };
  if (modifier === 'above') return { $in: uriAncestors(uri) };
  return uri;
}

/** See extract.ts: the second component is indexed under `<code>|<key of the first>`. */
function compileComposite(code: string, value: Extract<SearchValue, { kind: 'composite' }>, targetTypes: string[]): Filter {
  return anyOf(compositeNames(code, value.first, targetTypes).map((name) => {
    const second = value.second;
    if (second.kind === 'token') return { tok: tokenKey(name, second.system, second.code) };
    return compileValue(name, undefined, second, targetTypes);
  }));
}

/** The names a composite's second component is indexed under, from the first component's value. */
function compositeNames(code: string, first: SearchValue, targetTypes: string[]): string[] {
  if (first.kind === 'token') return [`${code}${tokenKey('', first.system, first.code)}`];
  if (first.kind === 'reference') return referenceKeys('', first, targetTypes).map((key) => `${code}${key}`);
  if (first.kind === 'uri') return [`${code}|${first.uri}`];
  throw serverError(`Unexpected ${first.kind} value as the first part of composite ${code}`);
}

function anyOf(conditions: Filter[]): Filter {
  return conditions.length === 1 ? conditions[0] : { $or: conditions };
}
