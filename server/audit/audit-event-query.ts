/**
 * find() and count() over the audit log's index (audit-event-index.ts), with the same answers as the embedded
 * store: candidates from the key postings by the embedded store's own plan, then the whole filter tested by mingo
 * on each candidate, then MongoDB's sort order and skip/limit. The document mingo sees is made of what memory
 * holds: the event's fields, its date entry, and those of its keys the filter names (enough for equality, `$in`,
 * `$nin`, `$all`). A filter or sort on other entries (strings, URIs, texts, a key pattern) has each candidate's
 * entries extracted again from its body on disk: correct, and slower, for searches that are rare on an audit trail.
 */
import { Query } from 'mingo';
import { isPlainObject, planCandidates } from '../store/embedded/candidate-selection.ts';
import { conjuncts } from '../store/filter-conjuncts.ts';
import { sortTuples } from '../store/embedded/document-sort.ts';
import { toMemoryFilter } from '../store/embedded/memory-filter.ts';
import type { MemoryIndexEntries } from '../store/embedded/record-codec.ts';
import type { Filter, StoreQuery } from '../store/types.ts';
import { EVENT_TYPE, KEY_FIELDS, type AuditEventIndex, type KeyField } from './audit-event-index.ts';

/**
 * The index entries of some events, from their bodies, as the embedded store's memory form (dates in ms): those
 * of the parameters `only` names, or all.
 */
export type ReadEntries = (numbers: number[], only?: ReadonlySet<string>) => Promise<MemoryIndexEntries[]>;

type Document = Record<string, unknown>;

/** Up to this many kept matches, a sorted page is picked by insertion instead of a full sort. */
const TOP_K_LIMIT = 2000;
const LOGICAL = new Set(['$and', '$or', '$nor']);
/** Fields of the document an event's number alone gives. */
const EVENT_FIELDS = new Set(['_id', 'id', 'type', 'deleted', 'lastUpdated']);
/** Fields of index entries with a parameter name `p`. */
const ENTRY_FIELDS = new Set(['str', 'dt', 'num', 'uri', 'txt']);
const NO_KEYS: Record<KeyField, string[]> = { tok: [], ref: [], compartments: [] };
/** Events whose documents are made at a time. */
const SLICE = 1000;

/** The numbers of the events on the page a query asks for, in its order. */
export async function findEvents(index: AuditEventIndex, query: StoreQuery, readEntries: ReadEntries): Promise<number[]> {
  const matches = await matchingEvents(index, query.filter, readEntries);
  const skip = query.skip ?? 0;
  const keep = skip + (query.limit ?? Infinity);
  const sort = query.sort ?? [];
  if (sort.length === 0) return matches.slice(skip, keep);
  const { valuesOf, compareValues } = sortTuples(sort);
  const ranked: { n: number; values: unknown[] }[] = [];
  await eachDocument(index, matches, { $and: [] }, sort.map(([path]) => path), NO_KEYS, readEntries, (n, document) => void ranked.push({ n, values: valuesOf(document) }));
  if (keep > TOP_K_LIMIT) return ranked.sort((a, b) => compareValues(a.values, b.values)).slice(skip, keep).map((e) => e.n);
  // The best `keep` so far, in order; a match enters only if it beats the worst kept one.
  const best: typeof ranked = [];
  for (const entry of ranked) {
    if (best.length === keep && compareValues(entry.values, best[keep - 1].values) >= 0) continue;
    best.splice(insertionPoint(best, entry.values, compareValues), 0, entry);
    if (best.length > keep) best.pop();
  }
  return best.slice(skip).map((e) => e.n);
}

export async function countEvents(index: AuditEventIndex, filter: Filter, readEntries: ReadEntries): Promise<number> {
  return (await matchingEvents(index, filter, readEntries)).length;
}

/** The numbers of the events matching a filter, oldest first. */
async function matchingEvents(index: AuditEventIndex, filter: Filter, readEntries: ReadEntries): Promise<number[]> {
  const memoryFilter = toMemoryFilter(filter);
  const plan = planCandidates(memoryFilter, index.lookups());
  let matches = index.numbersIn(plan.sets);
  if (plan.exact) return matches;
  // What the postings did not answer, the conditions memory answers first (dates, named keys), then the others.
  const conditions = conjuncts(plan.residual);
  const inMemory = conditions.filter((c) => !hasKeyPattern(c) && fieldsOf(c).every((field) => readsMemory(index, field)));
  const onDisk = conditions.filter((c) => !inMemory.includes(c));
  for (const part of [inMemory, onDisk]) {
    if (part.length === 0) continue;
    const filter: Filter = { $and: part };
    const query = new Query<Document>(filter);
    const passed: number[] = [];
    await eachDocument(index, matches, filter, fieldsOf(filter), hasKeyPattern(filter) ? undefined : keysNamed(filter), readEntries, (n, document) => {
      if (query.test(document)) passed.push(n);
    });
    matches = passed;
  }
  return matches;
}

/**
 * Visits the documents of events, in order, with the fields a filter or sort reads (`fields`, as dotted paths):
 * from memory when it holds them, else from the bodies, a slice of events at a time (a scan never holds them all).
 * `keys`: the keys to test for in memory; undefined asks for every key (from the bodies).
 */
async function eachDocument(
  index: AuditEventIndex,
  numbers: number[],
  filter: Filter,
  fields: string[],
  keys: Record<KeyField, string[]> | undefined,
  readEntries: ReadEntries,
  visit: (n: number, document: Document) => void,
): Promise<void> {
  const only = keys === undefined ? undefined : parametersRead(filter, fields);
  for (let from = 0; from < numbers.length; from += SLICE) {
    const slice = numbers.slice(from, from + SLICE);
    const documents = await documentsOf(index, slice, fields, keys, (missing) => readEntries(missing, only));
    slice.forEach((n, i) => visit(n, documents[i]));
  }
}

/**
 * The parameters whose entries a filter and sort (`fields`) read: the `p` of each entry condition, the code of
 * each sort key. Undefined (every parameter) where that cannot be told, or keys are read (any token may hold one).
 */
function parametersRead(filter: Filter, fields: string[]): Set<string> | undefined {
  const codes = new Set<string>();
  for (const field of fields) {
    const [name, code] = field.split('.');
    if (isKeyField(name)) return undefined;
    if ((name === 'srt' || name === 'srtHi') && code) codes.add(code);
  }
  const walk = (part: Filter): boolean =>
    Object.entries(part).every(([field, condition]) => {
      if (LOGICAL.has(field)) return (condition as Filter[]).every(walk);
      if (!ENTRY_FIELDS.has(field)) return true;
      const p = isPlainObject(condition) && isPlainObject(condition.$elemMatch) ? condition.$elemMatch.p : undefined;
      if (typeof p !== 'string') return false;
      codes.add(p.split(/[:|]/)[0]); // `address:exact`, a composite's `code|system|value`: the parameter's code
      return true;
    });
  return walk(filter) ? codes : undefined;
}

async function documentsOf(index: AuditEventIndex, numbers: number[], fields: string[], keys: Record<KeyField, string[]> | undefined, readEntries: (numbers: number[]) => Promise<MemoryIndexEntries[]>): Promise<Document[]> {
  const inMemory = (n: number): Document | undefined => {
    const date = index.dateEntries(n);
    if (!date) return undefined;
    const document: Document = { _id: index.documentId(n), type: EVENT_TYPE, id: index.id(n), deleted: false, lastUpdated: index.lastUpdatedOf(n), ...date };
    for (const field of KEY_FIELDS) document[field] = keys?.[field].filter((key) => index.hasKey(field, key, n)) ?? [];
    return document;
  };
  const fromMemory = keys !== undefined && fields.every((field) => readsMemory(index, field));
  const documents = numbers.map((n) => (fromMemory ? inMemory(n) : undefined));
  const missing = numbers.filter((_, i) => documents[i] === undefined);
  if (missing.length === 0) return documents as Document[];
  const entries = await readEntries(missing);
  let next = 0;
  return numbers.map((n, i) => documents[i] ?? { _id: index.documentId(n), type: EVENT_TYPE, id: index.id(n), deleted: false, lastUpdated: index.lastUpdatedOf(n), ...entries[next++] });
}

/** Whether memory answers a field: the event's own fields, keys, dates, and the sort keys of date parameters. */
function readsMemory(index: AuditEventIndex, path: string): boolean {
  const [field, code] = path.split('.');
  if (EVENT_FIELDS.has(field) || (KEY_FIELDS as readonly string[]).includes(field) || field === 'dt') return true;
  return (field === 'srt' || field === 'srtHi') && code !== undefined && index.isDateParameter(code);
}

/** The keys a filter compares each key field with, anywhere in it. */
function keysNamed(filter: Filter): Record<KeyField, string[]> {
  const named: Record<KeyField, Set<string>> = { tok: new Set(), ref: new Set(), compartments: new Set() };
  const collect = (value: unknown, into: Set<string>): void => {
    if (typeof value === 'string') into.add(value);
    else if (Array.isArray(value)) for (const v of value) collect(v, into);
    else if (isPlainObject(value)) for (const v of Object.values(value)) collect(v, into);
  };
  const walk = (part: Filter): void => {
    for (const [field, condition] of Object.entries(part)) {
      if (LOGICAL.has(field)) for (const branch of condition as Filter[]) walk(branch);
      else if (isKeyField(field)) collect(condition, named[field]);
    }
  };
  walk(filter);
  return { tok: [...named.tok], ref: [...named.ref], compartments: [...named.compartments] };
}

/** The document fields a filter reads. */
function fieldsOf(filter: Filter): string[] {
  return Object.entries(filter).flatMap(([field, condition]) => (LOGICAL.has(field) ? (condition as Filter[]).flatMap(fieldsOf) : [field]));
}

/** Whether a filter tests a key field with a pattern (`{ tok: { $regex } }`, a token prefix). */
function hasKeyPattern(filter: Filter): boolean {
  return Object.entries(filter).some(([field, condition]) =>
    LOGICAL.has(field) ? (condition as Filter[]).some(hasKeyPattern) : isKeyField(field) && isPlainObject(condition) && '$regex' in condition,
  );
}

function isKeyField(field: string): field is KeyField {
  return (KEY_FIELDS as readonly string[]).includes(field);
}

function insertionPoint(best: { values: unknown[] }[], values: unknown[], compare: (a: unknown[], b: unknown[]) => number): number {
  let lo = 0;
  let hi = best.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compare(best[mid].values, values) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
