/**
 * Histograms of Observation values over fixed edges (given, from a bin width, or automatic). For aggregate-only
 * callers automatic edges come from the policy's bounds for the code — never from the data, whose extremes are
 * one patient's values — and every bin is a count cell: suppressed below k, complementary suppression against
 * the total, noise and rounding. Fixed edges let the hub add bins across sites.
 */
import type { ParametersParameter } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcomes.ts';
import { exactRules, SUPPRESSED_EXTENSION, type AppliedRules } from '../policy/applied-report.ts';
import type { ReleasedValue } from '../policy/disclosure-control.ts';
import { policyRefusal } from '../policy/refusals.ts';
import type { AggregateAccess } from './access.ts';
import type { OperationInput } from './operation-input.ts';
import { binCounts, equalEdges } from './statistics.ts';
import { canonicalStatsQuery, type StatsQuery } from './stats-input.ts';

/** The edges asked for: `edges=a,b,c`, or `binWidth` over lower..upper, or automatic. */
export function histogramEdges(input: OperationInput, query: StatsQuery, access: AggregateAccess, values: number[]): number[] {
  const maxBins = access.mode === 'disclosure-control' ? access.control.policy.minimums.histogramMaxBins : 1000;
  const given = input.all('edges').map(Number);
  let edges: number[];
  if (given.length > 0) {
    edges = given;
  } else if (input.text('binWidth') !== undefined) {
    const width = Number(input.text('binWidth'));
    if (!query.bounds || !(width > 0)) throw badRequest('binWidth needs lower and upper and a positive width', 'binWidth');
    const count = Math.ceil((query.bounds.upper - query.bounds.lower) / width);
    if (count > maxBins) throw rule(access, `At most ${maxBins} bins`);
    edges = Array.from({ length: count + 1 }, (_, i) => query.bounds!.lower + i * width);
  } else if (query.bounds) {
    edges = equalEdges(query.bounds.lower, query.bounds.upper, 10);
  } else {
    // Site-internal callers only (aggregate callers always have bounds): Sturges' rule over the data's range.
    if (values.length === 0) return [0, 1];
    const lo = Math.min(...values);
    const hi = Math.max(...values);
    edges = equalEdges(lo, hi === lo ? lo + 1 : hi, Math.ceil(Math.log2(values.length) + 1));
  }
  if (edges.length < 2 || edges.some((e, i) => !Number.isFinite(e) || (i > 0 && e <= edges[i - 1]))) throw badRequest('edges must be at least two increasing numbers', 'edges');
  if (edges.length - 1 > maxBins) throw rule(access, `At most ${maxBins} bins`);
  return edges;
}

function rule(access: AggregateAccess, message: string) {
  return access.mode === 'exact' ? badRequest(message, 'edges') : policyRefusal('histogram-bins', message, 'edges');
}

export async function computeHistogram(access: AggregateAccess, query: StatsQuery, values: number[], edges: number[]): Promise<{ parameters: ParametersParameter[]; applied: AppliedRules }> {
  const { bins, under, over } = binCounts(values, edges);
  const cells = [
    { id: 'total', trueValue: values.length },
    { id: 'underflow', trueValue: under },
    ...bins.map((c, i) => ({ id: `bin${i}`, trueValue: c })),
    { id: 'overflow', trueValue: over },
  ];
  let released: Map<string, ReleasedValue>;
  let applied: AppliedRules;
  if (access.mode === 'exact') {
    released = new Map(cells.map((c) => [c.id, { value: c.trueValue }]));
    applied = exactRules();
  } else {
    ({ values: released, applied } = await access.control.release({
      caller: access.caller,
      operation: 'Observation/$histogram',
      query: canonicalStatsQuery(query, `edges=${edges.join(',')}`),
      counts: cells,
      relations: [{ total: 'total', members: cells.slice(1).map((c) => c.id) }],
      releases: 2,
    }));
  }
  const count = (id: string): ParametersParameter => {
    const v = released.get(id)!;
    return 'value' in v ? { name: 'count', valueInteger: v.value } : { name: 'count', extension: [{ url: SUPPRESSED_EXTENSION, valueCode: v.suppressed }] };
  };
  const bin = (id: string, low?: number, high?: number): ParametersParameter => ({
    name: 'bin',
    part: [...(low !== undefined ? [{ name: 'low', valueDecimal: low }] : []), ...(high !== undefined ? [{ name: 'high', valueDecimal: high }] : []), count(id)],
  });
  const parameters: ParametersParameter[] = [
    { ...count('total'), name: 'total' },
    bin('underflow', undefined, edges[0]),
    ...bins.map((_, i) => bin(`bin${i}`, edges[i], edges[i + 1])),
    bin('overflow', edges[edges.length - 1], undefined),
  ];
  return { parameters, applied };
}
