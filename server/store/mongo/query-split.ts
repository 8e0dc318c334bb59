/**
 * Splits a search filter into the part the server can answer and the part that must be evaluated in-process,
 * for servers that lack some query operators. FerretDB 1.x answers `$elemMatch` only over arrays of scalars
 * ("unknown operator: p" for `{str: {$elemMatch: {p: 'name', v: 'x'}}}`, and "$elemMatch: support for $and not
 * implemented yet"), while the search compiler needs it over `str`/`dt`/`num` entries.
 */
import { conjuncts } from '../filter-conjuncts.ts';
import type { Filter } from '../types.ts';

/** Which `$elemMatch` forms the server evaluates correctly (all of them on MongoDB). */
export interface ElemMatchSupport {
  /** Field conditions inside $elemMatch: `{$elemMatch: {p: 'name', v: 'x'}}`. */
  fields: boolean;
  /** Logical operators inside $elemMatch: `{$elemMatch: {$or: [...]}}`. */
  logical: boolean;
}

export interface SplitFilter {
  /** Sent to the server; matches a superset of the documents the whole filter matches. */
  server: Filter;
  /** Evaluated in-process on what the server returns; undefined when the server answers everything. */
  client?: Filter;
}

const LOGICAL = new Set(['$and', '$or', '$nor']);
// Conditions on a dotted path that any document matched by the same condition inside $elemMatch also meets.
const SUPERSET_SAFE = new Set(['$eq', '$in', '$gt', '$gte', '$lt', '$lte', '$regex', '$options']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof RegExp);

function unsupportedElemMatch(argument: unknown, support: ElemMatchSupport): boolean {
  if (!isPlainObject(argument)) return false;
  const keys = Object.keys(argument);
  if (!support.fields && keys.some((k) => !k.startsWith('$'))) return true;
  return !support.logical && keys.some((k) => LOGICAL.has(k));
}

/** True when some `$elemMatch` anywhere in the filter is a form the server cannot evaluate. */
export function needsClientSide(value: unknown, support: ElemMatchSupport): boolean {
  if (Array.isArray(value)) return value.some((item) => needsClientSide(item, support));
  if (!isPlainObject(value)) return false;
  return Object.entries(value).some(
    ([key, inner]) =>
      (key === '$elemMatch' && unsupportedElemMatch(inner, support)) || needsClientSide(inner, support),
  );
}

function isSupersetSafe(condition: unknown): boolean {
  if (condition === null || condition === undefined) return false;
  if (!isPlainObject(condition)) return !Array.isArray(condition);
  return Object.entries(condition).every(
    ([op, operand]) => SUPERSET_SAFE.has(op) && operand !== null && !(Array.isArray(operand) && operand.includes(null)),
  );
}

/**
 * Loosens `{str: {$elemMatch: {p: 'name', v: {$regex: '^smi'}}}}` to `{'str.p': 'name', 'str.v': {$regex: '^smi'}}`
 * (each condition met by some entry, not necessarily the same one), so the server still narrows the candidates
 * through its indexes.
 */
function loosenForServer(conjunct: Filter): Filter[] {
  const [path, condition] = Object.entries(conjunct)[0] ?? [];
  if (!path || path.startsWith('$') || !isPlainObject(condition)) return [];
  const argument = condition.$elemMatch;
  if (Object.keys(condition).length !== 1 || !isPlainObject(argument)) return [];
  return Object.entries(argument)
    .filter(([field, inner]) => !field.startsWith('$') && isSupersetSafe(inner))
    .map(([field, inner]) => ({ [`${path}.${field}`]: inner }));
}

export function splitFilter(filter: Filter, support: ElemMatchSupport): SplitFilter {
  if (!needsClientSide(filter, support)) return { server: filter };
  const server: Filter[] = [];
  const client: Filter[] = [];
  for (const conjunct of conjuncts(filter)) {
    if (needsClientSide(conjunct, support)) {
      client.push(conjunct);
      server.push(...loosenForServer(conjunct));
    } else {
      server.push(conjunct);
    }
  }
  return { server: server.length > 0 ? { $and: server } : {}, client: { $and: client } };
}
