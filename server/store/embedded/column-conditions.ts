/**
 * The conditions of a search that date columns answer (date-column.ts): `{dt: {$elemMatch: {p, lo, hi}}}` with
 * range operators on the bounds, which is what every date prefix compiles to (search/compile-ranges.ts). For a
 * candidate with one entry of the parameter the column holds the answer; with none the condition fails; with
 * several the condition is tested on the document, as before.
 */
import { isWildcardName } from '../../search/index-keys.ts';
import { conjuncts } from '../filter-conjuncts.ts';
import type { Filter } from '../types.ts';
import { isPlainObject } from './candidate-selection.ts';
import { DateColumn, NO_ENTRY } from './date-column.ts';
import { compilePredicate, type Predicate } from './filter-predicate.ts';

export interface ColumnCondition {
  column: DateColumn;
  /** The condition on the bounds of a document's one entry. */
  limits: BoundsLimits;
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
    limits: new BoundsLimits(tests),
    onDocument: onDocument.length === 1 ? onDocument[0] : (document: Parameters<Predicate>[0]) => onDocument.every((test) => test(document)),
  }));
  return { columns, rest };
}

/**
 * Tests document n on the columns; TEST_DOCUMENT when a condition needs its document. A deleted document has no
 * entries in any column, so it fails here without its deletion being looked up.
 */
export function testColumns(columns: readonly ColumnCondition[], n: number): number {
  let verdict = PASSED;
  for (let i = 0; i < columns.length; i++) {
    const { column, limits } = columns[i];
    // hi first: one read tells whether there is exactly one entry, and lo is on the same cache line.
    const hi = column.hi(n);
    if (!DateColumn.isNotOne(hi)) {
      if (!limits.holds(column.lo(n), hi)) return FAILED;
    } else if (column.lo(n) === NO_ENTRY) {
      return FAILED;
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

/** `{dt: {$elemMatch: {p: code, lo?: {...}, hi?: {...}}}}` with numeric range operators, as tests of the bounds. */
function dateBoundsCondition(part: Filter): { code: string; tests: BoundTest[] } | undefined {
  const keys = Object.keys(part);
  const dt = part.dt;
  if (keys.length !== 1 || keys[0] !== 'dt' || !isPlainObject(dt) || Object.keys(dt).length !== 1 || !isPlainObject(dt.$elemMatch)) return undefined;
  const { p, ...bounds } = dt.$elemMatch;
  // A column holds one parameter's entries; a wildcard name stands for several (index-keys.ts wildcardNamesOf).
  if (typeof p !== 'string' || isWildcardName(p)) return undefined;
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
 * The limits that one parameter's conditions put on the bounds of an entry, as numbers a single method tests: no
 * closure per operator, so the candidate loop's calls stay monomorphic whatever the search (closures made anew by
 * each search made the call site polymorphic and the loop three times slower). NaN (a bound the entry lacks) fails
 * every limit, as a missing field fails MongoDB's range operators; a bound without limits takes any value.
 */
export class BoundsLimits {
  private readonly lo = new Limits();
  private readonly hi = new Limits();

  constructor(tests: readonly BoundTest[]) {
    for (const { hi, operator, bound } of tests) (hi ? this.hi : this.lo).tighten(operator, bound);
  }

  holds(lo: number, hi: number): boolean {
    return this.lo.admits(lo) && this.hi.admits(hi);
  }
}

/** The tightest lower and upper limit of one bound, each inclusive or strict. */
class Limits {
  private min = -Infinity;
  private minStrict = false;
  private hasMin = false;
  private max = Infinity;
  private maxStrict = false;
  private hasMax = false;

  tighten(operator: RangeOperator, bound: number): void {
    const strict = operator === '$gt' || operator === '$lt';
    if (operator === '$gt' || operator === '$gte') {
      if (!this.hasMin || bound > this.min) [this.min, this.minStrict] = [bound, strict];
      else if (bound === this.min) this.minStrict ||= strict;
      this.hasMin = true;
    } else {
      if (!this.hasMax || bound < this.max) [this.max, this.maxStrict] = [bound, strict];
      else if (bound === this.max) this.maxStrict ||= strict;
      this.hasMax = true;
    }
  }

  admits(value: number): boolean {
    if (this.hasMin && !(this.minStrict ? value > this.min : value >= this.min)) return false;
    return !this.hasMax || (this.maxStrict ? value < this.max : value <= this.max);
  }
}
