/**
 * Parses search query pairs into a SearchRequest. Knows nothing of the database.
 * https://hl7.org/fhir/R4/search.html
 */
import { badRequest, issue } from '../fhir/outcomes.ts';
import { parseResultParameter } from './parse-result.ts';
import { parseSearchValue, parseToken, splitEscaped } from './parse-values.ts';
import { getSearchParameter, isResourceType, type SearchParameterDefinition } from './registry.ts';
import type { SearchFilter, SearchRequest, SearchValue } from './search-request.ts';

export interface ParseOptions {
  /** `Prefer: handling=strict`: unknown parameters are errors instead of warnings. */
  strict?: boolean;
  maxCount?: number;
  defaultCount?: number;
}

// Query-string objects (`?_id[$ne]=x`) and prototype keys never reach a query.
const SAFE_NAME = /^[A-Za-z0-9_\-:.]+$/;
const FORBIDDEN_NAMES = /(^|[:.])(__proto__|constructor|prototype)($|[:.])/;
/** Accepted and ignored: they shape the HTTP response, not the search. */
const IGNORED = new Set(['_format', '_pretty']);
const MODIFIERS_BY_TYPE: Record<string, string[]> = {
  string: ['missing', 'exact', 'contains'],
  token: ['missing', 'not', 'text', 'of-type', 'in', 'not-in', 'above', 'below'],
  reference: ['missing', 'identifier'],
  date: ['missing'],
  number: ['missing'],
  quantity: ['missing'],
  uri: ['missing', 'below', 'above'],
  composite: ['missing'],
};

/** Parses `[name, value]` pairs of a search on `resourceType` (undefined: all types). https://hl7.org/fhir/R4/search.html */
export function parseSearchRequest(
  resourceType: string | undefined,
  params: [string, string][],
  options: ParseOptions = {},
): SearchRequest {
  const request: SearchRequest = {
    resourceType,
    filters: [],
    sort: [],
    count: options.defaultCount ?? 20,
    offset: 0,
    include: [],
    revinclude: [],
    warnings: [],
  };
  const warn = (message: string, name: string): void => {
    if (options.strict) throw badRequest(message, name);
    request.warnings.push(issue('warning', 'not-supported', message, name));
  };
  const typeParam = params.find(([name]) => name === '_type');
  if (typeParam && !resourceType) request.types = parseTypes(typeParam[1]);
  for (const [name, value] of params) {
    if (typeof name !== 'string' || typeof value !== 'string' || !SAFE_NAME.test(name) || FORBIDDEN_NAMES.test(name)) {
      warn(`Parameter '${String(name).slice(0, 64)}' is not a valid search parameter name and was ignored`, '_query');
      continue;
    }
    if (IGNORED.has(name) || name === '_type') continue;
    if (name.startsWith('_') && parseResultParameter(request, name, value, options, warn)) continue;
    const filter = parseFilter(searchTypes(request), name, value, warn);
    if (filter) request.filters.push(filter);
  }
  return request;
}

/** The types a filter may apply to: the searched type, the `_type` list, or (system search) any type. */
function searchTypes(request: SearchRequest): string[] {
  if (request.resourceType) return [request.resourceType];
  return request.types ?? ['Resource'];
}

function parseTypes(value: string): string[] {
  const types = value.split(',').filter(Boolean);
  for (const type of types) if (!isResourceType(type)) throw badRequest(`_type: unknown resource type ${type}`, '_type');
  return types;
}

/** The definition of `code` on the first of `types` that has it (`Resource` stands for the common parameters). */
export function findParameter(types: string[], code: string): SearchParameterDefinition | undefined {
  for (const type of types) {
    const def = getSearchParameter(type === 'Resource' ? 'Patient' : type, code);
    if (def && (type !== 'Resource' || code.startsWith('_'))) return def;
  }
  return undefined;
}

type Warn = (message: string, name: string) => void;

/** One `name=value` pair: a parameter, a chain, or `_has`. Undefined when the parameter is ignored with a warning. */
export function parseFilter(types: string[], name: string, value: string, warn: Warn): SearchFilter | undefined {
  if (name.startsWith('_has:')) return parseHas(types, name, value, warn);
  if (name === '_list') return parseList(value, warn);
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const [code, modifier, ...extra] = head.split(':');
  const def = findParameter(types, code);
  if (!def || extra.length > 0) {
    warn(`Unknown search parameter '${name}' for ${types.join(', ')}`, name);
    return undefined;
  }
  if (dot >= 0) {
    if (def.type !== 'reference') throw badRequest(`${name}: only reference parameters can be chained`, name);
    const targetTypes = modifier ? [modifier] : def.target;
    if (modifier && !def.target.includes(modifier)) throw badRequest(`${name}: ${code} cannot refer to ${modifier}`, name);
    const inner = parseFilter(targetTypes, name.slice(dot + 1), value, warn);
    return inner && { kind: 'chain', code, targetTypes, filter: inner };
  }
  if (modifier !== undefined && !isAllowedModifier(def, modifier)) {
    throw badRequest(`${name}: modifier :${modifier} is not supported for ${def.type} parameters`, name);
  }
  const values = parseValues(def, name, modifier, value);
  return {
    kind: 'parameter',
    code,
    type: def.type,
    ...(modifier !== undefined && { modifier }),
    values,
    ...(def.type === 'reference' && { targetTypes: def.target }),
    ...(def.type === 'composite' && { targetTypes: compositeTargets(def) }),
  };
}

function isAllowedModifier(def: SearchParameterDefinition, modifier: string): boolean {
  if (def.type === 'reference' && def.target.includes(modifier)) return true;
  return (MODIFIERS_BY_TYPE[def.type] ?? ['missing']).includes(modifier);
}

function parseValues(def: SearchParameterDefinition, name: string, modifier: string | undefined, value: string): SearchValue[] {
  const raws = modifier === 'missing' ? [value] : splitEscaped(value, ',');
  if (raws.some((r) => r === '')) throw badRequest(`${name}: empty value`, name);
  if (def.type === 'composite') return raws.map((raw) => parseComposite(def, name, raw));
  if (def.type === 'reference' && modifier === 'identifier') return raws.map(parseToken);
  return raws.map((raw) => parseSearchValue(name, def.type, modifier, raw));
}

/** `first$second`, each part parsed as its component's type. https://hl7.org/fhir/R4/search.html#composite */
function parseComposite(def: SearchParameterDefinition, name: string, raw: string): SearchValue {
  const parts = splitEscaped(raw, '$');
  const [firstType, secondType] = compositeComponentTypes(def);
  const firstKinds = ['token', 'reference', 'uri'];
  if (parts.length !== 2 || !firstType || !secondType || !firstKinds.includes(firstType)) {
    throw badRequest(`${name}: composite value must be ${firstType ?? 'token'}$${secondType ?? 'value'}`, name);
  }
  const first = firstType === 'token' ? parseToken(parts[0]) : parseSearchValue(name, firstType, undefined, parts[0]);
  return { kind: 'composite', first, second: parseSearchValue(name, secondType, undefined, parts[1]) };
}

/** The parameter types of a composite's two components. */
function compositeComponentTypes(def: SearchParameterDefinition): (SearchParameterDefinition['type'] | undefined)[] {
  return (def.components ?? []).slice(0, 2).map((component) => {
    const m = /\/SearchParameter\/([A-Za-z]+)-(.+)$/.exec(component.definition);
    return (m ? getSearchParameter(def.base, m[2]) ?? getSearchParameter(m[1], m[2]) : undefined)?.type;
  });
}

/** The target types of a composite's first component, when it is a reference. */
function compositeTargets(def: SearchParameterDefinition): string[] {
  const m = /\/SearchParameter\/([A-Za-z]+)-(.+)$/.exec(def.components?.[0]?.definition ?? '');
  const first = m ? getSearchParameter(def.base, m[2]) ?? getSearchParameter(m[1], m[2]) : undefined;
  return first?.type === 'reference' ? first.target : [];
}

/** `_list=id`: members of a stored List. https://hl7.org/fhir/R4/search.html#list */
function parseList(value: string, warn: Warn): SearchFilter | undefined {
  if (value.startsWith('$')) {
    warn(`_list: functional lists such as ${value.slice(0, 64)} are not supported`, '_list');
    return undefined;
  }
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(value)) throw badRequest(`_list: '${value.slice(0, 64)}' is not a List id`, '_list');
  return { kind: 'parameter', code: '_list', type: 'special', values: [{ kind: 'token', code: value }] };
}

/** `_has:Observation:patient:code=x`, nested `_has:A:p:_has:B:q:code=x`. https://hl7.org/fhir/R4/search.html#has */
function parseHas(types: string[], name: string, value: string, warn: Warn): SearchFilter | undefined {
  const [, type, code, ...rest] = name.split(':');
  if (!type || !code || rest.length === 0 || !isResourceType(type)) {
    throw badRequest(`${name}: expected _has:Type:reference:parameter`, name);
  }
  const def = getSearchParameter(type, code);
  if (def?.type !== 'reference') throw badRequest(`${name}: ${type}.${code} is not a reference parameter`, name);
  if (!types.some((t) => t === 'Resource' || def.target.length === 0 || def.target.includes(t))) {
    throw badRequest(`${name}: ${type}.${code} cannot refer to ${types.join(', ')}`, name);
  }
  const inner = parseFilter([type], rest.join(':'), value, warn);
  return inner && { kind: 'has', type, code, filter: inner };
}
