/**
 * Merging count cells across sites and applying the hub's policy to them: sums per cell, the hub's minimum cell
 * size, complementary suppression over the sums that the answer lets a reader subtract, and rounding. A cell that a
 * site suppressed is, per the hub policy, suppressed or an "at least" lower bound — which cannot be subtracted
 * exactly, so relations containing one need no complementary suppression.
 */
import type { HubConfig } from '../config/hub-config.ts';

export interface MergedCell {
  /** The released value (a lower bound when `atLeast`); undefined when suppressed. */
  value?: number;
  suppressed?: 'hub-primary' | 'hub-complementary' | 'site';
  atLeast?: boolean;
}

export interface CellParts {
  sum: number;
  /** Some site suppressed its part, or did not report this cell while reporting the answer. */
  incomplete: boolean;
}

export interface CellRelation {
  total: string;
  members: string[];
}

export function mergeCellParts(parts: Map<string, CellParts>, relations: CellRelation[], policy: HubConfig['policy']): Map<string, MergedCell> {
  const hidden = new Map<string, NonNullable<MergedCell['suppressed']>>();
  const inexact = new Set<string>();
  for (const [id, cell] of parts) {
    if (cell.incomplete && policy.suppressedSites === 'suppress') hidden.set(id, 'site');
    else if (cell.sum > 0 && cell.sum < policy.minCellSize) hidden.set(id, 'hub-primary');
    else if (cell.incomplete) inexact.add(id);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const relation of relations) {
      const all = [relation.total, ...relation.members];
      if (all.some((id) => inexact.has(id)) || all.filter((id) => hidden.has(id)).length !== 1) continue;
      const visible = relation.members.filter((id) => !hidden.has(id)).sort((a, b) => (parts.get(a)?.sum ?? 0) - (parts.get(b)?.sum ?? 0) || a.localeCompare(b));
      hidden.set(visible[0] ?? relation.total, 'hub-complementary');
      changed = true;
    }
  }
  const merged = new Map<string, MergedCell>();
  for (const [id, cell] of parts) {
    const reason = hidden.get(id);
    if (reason) merged.set(id, { suppressed: reason });
    else merged.set(id, { value: roundTo(cell.sum, policy.rounding), ...(inexact.has(id) ? { atLeast: true } : {}) });
  }
  return merged;
}

function roundTo(value: number, step: number): number {
  return step > 1 ? Math.round(value / step) * step : value;
}
