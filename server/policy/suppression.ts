/**
 * Primary and complementary cell suppression (the CMS cell suppression policy): a count of 1..k-1 (and 0 unless
 * the policy shows zeros) is hidden, and then, in every additive relation the answer carries (strata that sum to
 * their total, cross-tab cells that sum to a released margin), no relation may hold exactly one hidden cell —
 * else that cell is its total minus the others. Decided on the true values, before any rounding or noise.
 */

/** One count of an answer, by a stable id ("total", "gender=female/numerator"...). */
export interface CountCell {
  id: string;
  trueValue: number;
}

/** An additive relation: the member cells sum to the total cell. */
export interface SumRelation {
  total: string;
  members: string[];
}

export type SuppressionReason = 'primary' | 'complementary';

/** Whether a true value is small enough to hide on its own. */
export function isPrimarySuppressed(value: number, minCellSize: number, showZero: boolean): boolean {
  if (value === 0) return !showZero;
  return value < minCellSize;
}

/** Decides which cells to hide and why. https://www.resdac.org/articles/cms-cell-size-suppression-policy */
export function decideSuppression(
  cells: CountCell[],
  relations: SumRelation[],
  minCellSize: number,
  showZero: boolean,
): Map<string, SuppressionReason> {
  const values = new Map(cells.map((c) => [c.id, c.trueValue]));
  const hidden = new Map<string, SuppressionReason>();
  for (const cell of cells) if (isPrimarySuppressed(cell.trueValue, minCellSize, showZero)) hidden.set(cell.id, 'primary');
  let changed = true;
  while (changed) {
    changed = false;
    for (const relation of relations) {
      const all = [relation.total, ...relation.members];
      if (all.filter((id) => hidden.has(id)).length !== 1) continue;
      // Hide the smallest visible member (least information lost); the total only when no member is left.
      const visible = relation.members.filter((id) => !hidden.has(id));
      visible.sort((a, b) => (values.get(a) ?? 0) - (values.get(b) ?? 0) || a.localeCompare(b));
      hidden.set(visible[0] ?? relation.total, 'complementary');
      changed = true;
    }
  }
  return hidden;
}
