/**
 * Picks the documents a filter can possibly match from the inverted index, so that mingo evaluates the full filter
 * only on those: top-level (and `$and`) equality, `$in` and `$all` conditions on type/tok/ref/compartments/_id/id
 * become key sets to intersect; a top-level `$or` whose every branch is selective becomes their union. When every
 * condition was consumed this way the sets are the exact answer and mingo need not run at all.
 */
import type { Filter } from '../types.ts';
import { isIndexedField, type IdSet, type IndexedField } from './inverted-index.ts';

/**
 * A field only the embedded store writes into filters and reads back: `{ [DOCUMENT_NUMBERS]: numbers }` holds for
 * the documents of these numbers (a `_has` resolved by EmbeddedStore.referenceTargets). planCandidates always
 * answers it from the numbers themselves; no predicate ever tests it.
 */
export const DOCUMENT_NUMBERS = '$documentNumbers';

export interface IndexLookups {
  /** Documents carrying the key, only those of `type` when given. */
  lookup(field: IndexedField, key: string, type?: string): IdSet;
  /**
   * The documents among these _ids: a set over posting lists, so that a resolved `_has` naming thousands of
   * Patients intersects with the other sets by number.
   */
  lookupIds(documentIds: readonly string[]): IdSet;
  /** The documents of `type` with these ids (a resolved `_has`), as lookupIds: no `type/id` strings are built. */
  lookupTypedIds(type: string, ids: readonly string[]): IdSet;
  /** The documents of these numbers (a DOCUMENT_NUMBERS condition); only the embedded store's documents have them. */
  lookupNumbers?(numbers: readonly number[]): IdSet;
  tombstones: IdSet;
}

export interface CandidatePlan {
  /** Every match is in the intersection of these sets; none means every current document is a candidate. */
  sets: IdSet[];
  /** The filter asked for `deleted: false`, which is answered by leaving out tombstones. */
  excludeDeleted: boolean;
  /** The sets (less tombstones when excludeDeleted) are exactly the matches. */
  exact: boolean;
  /**
   * What a candidate must still be tested against: the filter less the conditions the sets answer exactly (a token
   * that picked the candidates need not be looked for again in each). Empty when `exact`.
   */
  residual: Filter;
}

export function planCandidates(filter: Filter, index: IndexLookups, outerType?: string): CandidatePlan {
  const plan: CandidatePlan = { sets: [], excludeDeleted: false, exact: true, residual: {} };
  const unanswered = (field: string, condition: unknown) => {
    plan.exact = false;
    plan.residual[field] = condition;
  };
  // `id` is unique only within a type: the type may come from the enclosing filter of an `$and` part. Key lookups
  // under a known type are that type's postings, which makes the type's own (large) set redundant.
  const type = typeof filter.type === 'string' ? filter.type : outerType;
  let typeSets: IdSet[] = [];
  let untypedSet = false;
  for (const [field, condition] of Object.entries(filter)) {
    if (field === 'type' && typeof condition === 'string') {
      typeSets = [index.lookup('type', condition)];
      continue;
    }
    if (field === '$and' && Array.isArray(condition)) {
      const residualParts: Filter[] = [];
      for (const part of condition as Filter[]) {
        const planned = planCandidates(part, index, type);
        mergeInto(plan, planned);
        if (Object.keys(planned.residual).length > 0) residualParts.push(planned.residual);
      }
      if (residualParts.length > 0) plan.residual.$and = residualParts;
    } else if (field === '$or' && Array.isArray(condition)) {
      const union = planUnion(condition as Filter[], index, type);
      mergeInto(plan, union);
      if (!union.exact) plan.residual.$or = condition;
    } else if (field === 'deleted' && typeof condition === 'boolean') {
      if (condition) {
        plan.sets.push(index.tombstones);
        untypedSet = true; // tombstones of every type
      } else plan.excludeDeleted = true;
    } else if (field === DOCUMENT_NUMBERS && Array.isArray(condition) && index.lookupNumbers) {
      plan.sets.push(index.lookupNumbers(condition as number[]));
    } else if (field === 'id' && type !== undefined && idList(condition)) {
      // `_id` searches and resolved `_has` conditions: one lookup per id instead of a scan of the type.
      plan.sets.push(index.lookupTypedIds(type, idList(condition)!));
    } else if (field === '_id' || isIndexedField(field)) {
      const keys = keyConditions(condition);
      if (!keys.complete) unanswered(field, condition);
      for (const alternatives of keys.required) {
        plan.sets.push(field === '_id' ? index.lookupIds(alternatives) : unionOf(alternatives.map((key) => index.lookup(field as IndexedField, key, type))));
      }
    } else {
      unanswered(field, condition);
    }
  }
  if (plan.sets.length === 0 || untypedSet) plan.sets.push(...typeSets);
  return plan;
}

/** The documents a plan selects (before mingo), as ids. */
export function* candidateIds(plan: CandidatePlan, tombstones: IdSet): Generator<string> {
  const [smallest, ...others] = [...plan.sets].sort((a, b) => a.size - b.size);
  for (const id of smallest) {
    if (plan.excludeDeleted && tombstones.has(id)) continue;
    if (others.every((set) => set.has(id))) yield id;
  }
}

/** The ids an `id` condition names: a string or `{ $in: [...] }` (nothing else, so the plan stays exact). */
function idList(condition: unknown): string[] | undefined {
  if (typeof condition === 'string') return [condition];
  if (isPlainObject(condition) && Object.keys(condition).length === 1 && isStringArray(condition.$in)) return condition.$in;
  return undefined;
}

function mergeInto(plan: CandidatePlan, part: CandidatePlan): void {
  plan.sets.push(...part.sets);
  plan.excludeDeleted ||= part.excludeDeleted;
  plan.exact &&= part.exact;
}

function planUnion(branches: Filter[], index: IndexLookups, type: string | undefined): CandidatePlan {
  const plans = branches.map((branch) => planCandidates(branch, index, type));
  if (plans.length === 0 || plans.some((p) => p.sets.length === 0)) {
    return { sets: [], excludeDeleted: false, exact: false, residual: {} };
  }
  const union = new Set<string>();
  for (const branch of plans) for (const id of candidateIds(branch, index.tombstones)) union.add(id);
  return { sets: [union], excludeDeleted: false, exact: plans.every((p) => p.exact), residual: {} };
}

/**
 * The keys a condition requires: each inner list is a set of alternatives ($in), the outer list is ANDed
 * ($all, or several operators). `complete` says whether nothing else in the condition needs checking.
 */
function keyConditions(condition: unknown): { required: string[][]; complete: boolean } {
  if (typeof condition === 'string') return { required: [[condition]], complete: true };
  if (!isPlainObject(condition)) return { required: [], complete: false };
  const required: string[][] = [];
  let complete = true;
  for (const [operator, operand] of Object.entries(condition)) {
    if (operator === '$eq' && typeof operand === 'string') required.push([operand]);
    else if (operator === '$in' && isStringArray(operand)) required.push(operand);
    else if (operator === '$all' && isStringArray(operand) && operand.length > 0) required.push(...operand.map((k) => [k]));
    else complete = false;
  }
  return { required, complete };
}

function unionOf(sets: IdSet[]): IdSet {
  if (sets.length === 1) return sets[0];
  const union = new Set<string>();
  for (const set of sets) for (const id of set) union.add(id);
  return union;
}

/** An operator object of a filter (not a Date, RegExp or array); query builders may make them without a prototype. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}
