/**
 * Descriptive statistics as R4 $stats names them (http://terminology.hl7.org/CodeSystem/observation-statistics),
 * and the fixed-edge histogram they are derived from under disclosure control.
 */

export const STATISTIC_CODES = ['count', 'sum', 'average', 'variance', 'std-dev', 'minimum', 'maximum', 'median', '20-percent', '80-percent', '4-lower', '4-upper', '5-1', '5-2', '5-3', '5-4'] as const;
export type StatisticCode = (typeof STATISTIC_CODES)[number];

/** The probability of each quantile statistic. */
export const QUANTILES: Partial<Record<StatisticCode, number>> = {
  minimum: 0, median: 0.5, maximum: 1, '20-percent': 0.2, '80-percent': 0.8, '4-lower': 0.25, '4-upper': 0.75, '5-1': 0.2, '5-2': 0.4, '5-3': 0.6, '5-4': 0.8,
};

/** Exact statistics over the values (sample variance, linear-interpolated quantiles). */
export function exactStatistics(values: number[], codes: StatisticCode[]): Map<StatisticCode, number | undefined> {
  const n = values.length;
  const sorted = [...values].sort((a, b) => a - b);
  const sum = values.reduce((s, v) => s + v, 0);
  const mean = n > 0 ? sum / n : undefined;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean!) ** 2, 0) / (n - 1) : undefined;
  const out = new Map<StatisticCode, number | undefined>();
  for (const code of codes) {
    if (code === 'count') out.set(code, n);
    else if (code === 'sum') out.set(code, sum);
    else if (code === 'average') out.set(code, mean);
    else if (code === 'variance') out.set(code, variance);
    else if (code === 'std-dev') out.set(code, variance === undefined ? undefined : Math.sqrt(variance));
    else out.set(code, n > 0 ? quantile(sorted, QUANTILES[code]!) : undefined);
  }
  return out;
}

function quantile(sorted: number[], p: number): number {
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Bin counts over fixed edges; values below the first edge or at/above the last fall in under/overflow. */
export function binCounts(values: number[], edges: number[]): { bins: number[]; under: number; over: number } {
  const bins = new Array<number>(edges.length - 1).fill(0);
  let under = 0;
  let over = 0;
  for (const v of values) {
    if (v < edges[0]) under++;
    else if (v >= edges[edges.length - 1]) {
      if (v === edges[edges.length - 1]) bins[bins.length - 1]++;
      else over++;
    } else {
      let lo = 0;
      let hi = edges.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (v >= edges[mid]) lo = mid;
        else hi = mid;
      }
      bins[lo]++;
    }
  }
  return { bins, under, over };
}

/** `count` equal-width edges from lower to upper. */
export function equalEdges(lower: number, upper: number, count: number): number[] {
  const width = (upper - lower) / count;
  return Array.from({ length: count + 1 }, (_, i) => (i === count ? upper : lower + i * width));
}

/** A quantile read from (noisy) bin counts by linear interpolation inside the bin. */
export function quantileFromBins(counts: number[], edges: number[], p: number): number {
  const clean = counts.map((c) => Math.max(0, c));
  const total = clean.reduce((s, c) => s + c, 0);
  if (total <= 0) return (edges[0] + edges[edges.length - 1]) / 2;
  const target = p * total;
  let seen = 0;
  for (let i = 0; i < clean.length; i++) {
    if (seen + clean[i] >= target && clean[i] > 0) return edges[i] + ((target - seen) / clean[i]) * (edges[i + 1] - edges[i]);
    seen += clean[i];
  }
  return edges[edges.length - 1];
}
