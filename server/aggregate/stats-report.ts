/**
 * $stats results. Exact for site-internal callers. Under disclosure control the values are clamped to the
 * policy's bounds and only noisy sufficient statistics are computed — count n, sum, sum of squares, and a
 * fixed-edge histogram — from which average, variance and quantiles are derived (post-processing, so no extra
 * privacy loss); minimum and maximum come from the noisy histogram too, and only when noise is on.
 * For the hub: `count`, `sum` and `sum-of-squares` components are returned whenever released, so averages and
 * variances merge exactly across sites.
 */
import type { ObservationComponent } from '@medplum/fhirtypes';
import { exactRules, type AppliedRules } from '../policy/applied-report.ts';
import type { MeasureCell, ReleasedValue } from '../policy/disclosure-control.ts';
import { policyRefusal } from '../policy/refusals.ts';
import type { AggregateAccess } from './access.ts';
import { binCounts, equalEdges, exactStatistics, QUANTILES, quantileFromBins, type StatisticCode } from './statistics.ts';
import { canonicalStatsQuery, type StatsQuery } from './stats-input.ts';

export const STATISTICS_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-statistics';
export const VITRINE_STATISTICS_SYSTEM = 'https://vitrine.dev/fhir/CodeSystem/statistics';
const QUANTILE_BINS = 20;

export interface StatisticValue {
  system: string;
  code: string;
  value?: number;
  suppressed?: string;
}

export async function computeStatistics(access: AggregateAccess, query: StatsQuery, values: number[], codes: StatisticCode[]): Promise<{ statistics: StatisticValue[]; applied: AppliedRules }> {
  if (access.mode === 'exact') {
    const exact = exactStatistics(values, codes);
    const statistics = codes.map((code) => ({ system: STATISTICS_SYSTEM, code, value: exact.get(code) }));
    return { statistics, applied: exactRules() };
  }
  const { policy } = access.control;
  const { lower, upper } = query.bounds!;
  const quantileCodes = codes.filter((c) => QUANTILES[c] !== undefined);
  if ((codes.includes('minimum') || codes.includes('maximum') || quantileCodes.length > 0) && policy.minimums.minMaxRequireNoise && policy.noise.mechanism === 'none') {
    throw policyRefusal('statistics-need-bounds', 'Minimum, maximum and percentiles are only released with noise, and this site adds none');
  }
  const clamped = values.map((v) => Math.min(upper, Math.max(lower, v)));
  const n = clamped.length;
  const sum = clamped.reduce((s, v) => s + v, 0);
  const sumSq = clamped.reduce((s, v) => s + v * v, 0);
  const edges = equalEdges(lower, upper, QUANTILE_BINS);
  const { bins } = binCounts(clamped, edges);
  const measures: MeasureCell[] = [
    { id: 'n', trueValue: n, sensitivity: 1, countId: 'count' },
    { id: 'sum', trueValue: sum, sensitivity: Math.max(Math.abs(lower), Math.abs(upper)), countId: 'count' },
  ];
  const wantSpread = codes.includes('variance') || codes.includes('std-dev');
  if (wantSpread) measures.push({ id: 'sum-of-squares', trueValue: sumSq, sensitivity: Math.max(lower * lower, upper * upper), countId: 'count' });
  if (quantileCodes.length > 0) bins.forEach((c, i) => measures.push({ id: `bin${i}`, trueValue: c, sensitivity: 1, countId: 'count' }));
  const releases = 2 + (wantSpread ? 1 : 0) + (quantileCodes.length > 0 ? 1 : 0) + 1;
  const { values: released, applied } = await access.control.release({
    caller: access.caller,
    operation: 'Observation/$stats',
    query: canonicalStatsQuery(query, `stats=${[...codes].sort().join(',')}`),
    counts: [{ id: 'count', trueValue: n }],
    relations: [],
    measures,
    releases,
  });
  applied.notes.push(`values clamped to [${lower}, ${upper}]; one value per patient (latest in the period)`);
  const get = (id: string) => released.get(id)!;
  const count = get('count');
  if (!('value' in count)) {
    return { statistics: codes.map((code) => ({ system: STATISTICS_SYSTEM, code, suppressed: count.suppressed })), applied };
  }
  const nNoisy = Math.max(1, valueOf(get('n')) ?? 1);
  const sumNoisy = valueOf(get('sum'));
  const mean = sumNoisy === undefined ? undefined : clamp(sumNoisy / nNoisy, lower, upper);
  const sumSqNoisy = wantSpread ? valueOf(get('sum-of-squares')) : undefined;
  const variance = sumSqNoisy !== undefined && mean !== undefined ? Math.max(0, (sumSqNoisy - nNoisy * mean * mean) / Math.max(1, nNoisy - 1)) : undefined;
  const noisyBins = quantileCodes.length > 0 ? bins.map((_, i) => valueOf(get(`bin${i}`)) ?? 0) : [];
  const statistics: StatisticValue[] = codes.map((code) => {
    let value: number | undefined;
    if (code === 'count') value = count.value;
    else if (code === 'sum') value = sumNoisy;
    else if (code === 'average') value = mean;
    else if (code === 'variance') value = variance;
    else if (code === 'std-dev') value = variance === undefined ? undefined : Math.sqrt(variance);
    else value = quantileFromBins(noisyBins, edges, QUANTILES[code]!);
    return { system: STATISTICS_SYSTEM, code, value: value === undefined ? undefined : round(value) };
  });
  // What a merger needs: noisy sufficient statistics.
  if (sumNoisy !== undefined) statistics.push({ system: VITRINE_STATISTICS_SYSTEM, code: 'sum', value: round(sumNoisy) });
  if (sumSqNoisy !== undefined) statistics.push({ system: VITRINE_STATISTICS_SYSTEM, code: 'sum-of-squares', value: round(sumSqNoisy) });
  return { statistics, applied };
}

/** A statistic as an Observation.component; a suppressed one carries data-absent-reason `masked`. */
export function statisticComponent(s: StatisticValue, unit?: string): ObservationComponent {
  const code = { coding: [{ system: s.system, code: s.code }] };
  if (s.value === undefined) {
    return {
      code,
      dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: s.suppressed ? 'masked' : 'not-applicable' }] },
      ...(s.suppressed ? { extension: [{ url: 'https://vitrine.dev/fhir/StructureDefinition/disclosure-suppressed', valueCode: s.suppressed }] } : {}),
    };
  }
  const isCount = s.code === 'count';
  return { code, valueQuantity: { value: s.value, ...(isCount || !unit ? {} : { unit, system: 'http://unitsofmeasure.org', code: unit }) } };
}

function valueOf(v: ReleasedValue): number | undefined {
  return 'value' in v ? v.value : undefined;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
