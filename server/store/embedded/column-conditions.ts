/**
 * The conditions of a search that date columns answer (date-column.ts): `{dt: {$elemMatch: {p, lo, hi}}}` with
 * range operators on the bounds, which is what every date prefix compiles to (search/compile-ranges.ts). For a
 * candidate with one entry of the parameter the column holds the answer; with none the condition fails; with
 * several the condition is tested on the document, as before.
 */
import { conjuncts } from '../filter-conjuncts.ts';
import type { Filter } from '../types.ts';
import { isPlainObject } from './candidate-selection.ts';
import { NO_ENTRY, ONE_ENTRY, type DateColumn } from './date-column.ts';
import { compilePredicate, type Predicate } from './filter-predicate.ts';

export interface ColumnCondition {
  column: DateColumn;
  /** The condition on the bounds of a document's one entry. */
  holds(lo: number, hi: number): boolean;
  /** The condition on a whole document (for one with several entries). */
  onDocument: Predicate;
}

/** What a candidate's number is: passed, failed, or to be tested on its document. */
export const PASSED = 0;
export const FAILED = 1;
export const TEST_DOCUMENT = 2;

/**
 * A filter (in memory form: dates as epoch ms) as the conditions columns answer and the rest. `columnOf` may have
 * no column for a parameter: its conditions are then among the rest.
 */
export function splitColumnConditions(filter: Filter, columnOf: (code: string) => DateColumn | undefined): { columns: ColumnCondition[]; rest: Filter[] } {
  // The conditions of one parameter (a date range is two: `ge` and `lt`) test one entry's bounds together.
  const byCode = new Map<string, { column: DateColumn; tests: BoundTest[]; onDocument: Predicate[] }>();
  const rest: Filter[] = [];
  for (const part of conjuncts(filter)) {
    const bounds = dateBoundsCondition(part);
    const onDocument = bounds && compilePredicate(part);
    const column = bounds && onDocument && (byCode.get(bounds.code)?.column ?? columnOf(bounds.code));
    if (!bounds || !onDocument || !column) {
      rest.push(part);
      continue;
    }
    const condition = byCode.get(bounds.code) ?? { column, tests: [], onDocument: [] };
    condition.tests.push(...bounds.tests);
    // Each condition is its own $elemMatch: on a document with several entries, each may hold for another one.
    condition.onDocument.push(onDocument);
    byCode.set(bounds.code, condition);
  }
  const columns = [...byCode.values()].map(({ column, tests, onDocument }) => ({
    column,
    holds: allOf(tests.map(boundTest)),
    onDocument: onDocument.length === 1 ? onDocument[0] : (document: Parameters<Predicate>[0]) => onDocument.every((test) => test(document)),
  }));
  return { columns, rest };
}

/** Tests document n on the columns; TEST_DOCUMENT when a condition needs its document. */
export function testColumns(columns: readonly ColumnCondition[], n: number): number {
  let verdict = PASSED;
  for (const { column, holds } of columns) {
    const entries = column.entriesOf(n);
    if (entries === NO_ENTRY) return FAILED;
    if (entries === ONE_ENTRY) {
      if (!holds(column.lo(n), column.hi(n))) return FAILED;
    } else {
      verdict = TEST_DOCUMENT;
    }
  }
  return verdict;
}

type RangeOperator = '$gt' | '$gte' | '$lt' | '$lte';
const RANGE_OPERATORS = new Set<string>(['$gt', '$gte', '$lt', '$lte']);

/** One comparison of an entry's `lo` or `hi` with a bound. */
interface BoundTest {
  hi: boolean;
  operator: RangeOperator;
  bound: number;
}

type BoundsTest = (lo: number, hi: number) => boolean;

/** `{dt: {$elemMatch: {p: code, lo?: {...}, hi?: {...}}}}` with numeric range operators, as tests of the bounds. */
function dateBoundsCondition(part: Filter): { code: string; tests: BoundTest[] } | undefined {
  const keys = Object.keys(part);
  const dt = part.dt;
  if (keys.length !== 1 || keys[0] !== 'dt' || !isPlainObject(dt) || Object.keys(dt).length !== 1 || !isPlainObject(dt.$elemMatch)) return undefined;
  const { p, ...bounds } = dt.$elemMatch;
  if (typeof p !== 'string') return undefined;
  const tests: BoundTest[] = [];
  for (const [name, condition] of Object.entries(bounds)) {
    if ((name !== 'lo' && name !== 'hi') || !isPlainObject(condition)) return undefined;
    for (const [operator, bound] of Object.entries(condition)) {
      if (!RANGE_OPERATORS.has(operator) || typeof bound !== 'number') return undefined;
      tests.push({ hi: name === 'hi', operator: operator as RangeOperator, bound });
    }
  }
  return { code: p, tests };
}

/**
 * One test as a function of its own, so the candidate loop calls a few monomorphic closures, not an interpreter of
 * operators. NaN (a bound the entry lacks) fails every comparison, as a missing field fails MongoDB's range operators.
 */
function boundTest({ hi: onHi, operator, bound }: BoundTest): BoundsTest {
  switch (operator) {
    case '$gt':
      return onHi ? (_lo, hi) => hi > bound : (lo) => lo > bound;
    case '$gte':
      return onHi ? (_lo, hi) => hi >= bound : (lo) => lo >= bound;
    case '$lt':
      return onHi ? (_lo, hi) => hi < bound : (lo) => lo < bound;
    case '$lte':
      return onHi ? (_lo, hi) => hi <= bound : (lo) => lo <= bound;
  }
}

function allOf(tests: BoundsTest[]): BoundsTest {
  if (tests.length === 1) return tests[0];
  if (tests.length === 2) {
    const [first, second] = tests;
    return (lo, hi) => first(lo, hi) && second(lo, hi);
  }
  return (lo, hi) => {
    for (const test of tests) if (!test(lo, hi)) return false;
    return true;
  };
}
