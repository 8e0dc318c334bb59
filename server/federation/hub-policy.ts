/**
 * The hub's own disclosure policy, applied to merged numbers after each site applied its own: a merged cell below
 * the minimum is suppressed, merged counts are rounded, and a cell that any site suppressed is either suppressed
 * or reported as "at least" the sum of what the other sites released — never with the suppressing site named.
 */
import type { HubConfig } from '../config/hub-config.ts';
import type { ReleasedCount } from './site-answers.ts';

export interface MergedCount {
  /** What the hub releases; undefined when suppressed. */
  value?: number;
  suppressed: boolean;
  /** True when some site suppressed its part and the value is a lower bound. */
  atLeast: boolean;
  /** Per-site released values, only when no site suppressed this cell and the policy shows them. */
  perSite?: Record<string, number>;
  /** What the hub applied, in words a client can show. */
  applied: string[];
}

export function mergeCounts(parts: { site: string; count: ReleasedCount }[], policy: HubConfig['policy']): MergedCount {
  const applied: string[] = [];
  const anySuppressed = parts.some((p) => p.count.suppressed);
  const sum = parts.reduce((acc, p) => acc + (p.count.value ?? 0), 0);
  if (anySuppressed && policy.suppressedSites === 'suppress') {
    applied.push('suppressed: a site suppressed its part of this cell');
    return { suppressed: true, atLeast: false, applied };
  }
  if (sum < policy.minCellSize && !(sum === 0 && !anySuppressed)) {
    applied.push(`suppressed: below the hub's minimum cell size ${policy.minCellSize}`);
    return { suppressed: true, atLeast: false, applied };
  }
  let value = sum;
  if (policy.rounding > 1) {
    value = Math.round(sum / policy.rounding) * policy.rounding;
    applied.push(`rounded to a multiple of ${policy.rounding}`);
  }
  const merged: MergedCount = { value, suppressed: false, atLeast: anySuppressed, applied };
  if (anySuppressed) applied.push('at least: some sites suppressed small parts of this cell, which are not included');
  if (!anySuppressed && policy.showPerSite) merged.perSite = Object.fromEntries(parts.map((p) => [p.site, p.count.value!]));
  return merged;
}
