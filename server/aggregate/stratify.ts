/**
 * True stratum counts of a group. For aggregate-only callers the strata must not reveal which values exist in a
 * small group: known value sets (gender, age bands, booleans) are listed whole, zeros included, and other values
 * held by fewer than k subjects of the initial population are folded into one "(other)" stratum.
 */
import type { SubjectTable } from './subject-table.ts';
import type { PopulationCode, StratifierSpec } from './measure-definition.ts';

export const OTHER = '(other)';
export const NONE = '(none)';

export interface StratumCounts {
  /** Component texts, one per component. */
  key: string[];
  counts: Map<PopulationCode, number>;
}

/** The fixed value set of an expression, when it has one. */
export function knownDomain(expression: string): string[] | undefined {
  const text = expression.replace(/\s+/g, '');
  if (/^Patient\.gender$/.test(text)) return ['female', 'male', 'other', 'unknown', NONE];
  const band = /^(?:Patient\.)?ageBand\((\d{1,3})\)$/.exec(text);
  if (band) {
    const width = Number(band[1]);
    const bands: string[] = [];
    for (let lo = 0; lo < 110; lo += width) bands.push(`${lo}-${lo + width - 1}`);
    return [...bands, NONE];
  }
  if (/\.(exists|empty)\(\)$/.test(text) || /^Patient\.deceasedBoolean$/.test(text)) return ['false', 'true'];
  return undefined;
}

/** Counts per stratum; `foldBelow` > 0 lists known domains whole and folds rare unknown values (aggregate callers). */
export function stratify(
  stratifier: StratifierSpec,
  members: Map<PopulationCode, Set<string>>,
  subjects: SubjectTable,
  foldBelow: number,
): StratumCounts[] {
  const initial = members.get('initial-population')!;
  const fns = stratifier.components.map((c) => subjects.textOf(c.expression));
  const domains = stratifier.components.map((c) => (foldBelow > 0 ? knownDomain(c.expression) : undefined));
  // Each member's key is computed once; members sharing a key share one entry, so populations count by lookup.
  const rawKeyOf = new Map<string, string>();
  const rawParts = new Map<string, string[]>();
  const marginals = fns.map(() => new Map<string, number>());
  for (const id of initial) {
    const parts = fns.map((fn, i) => {
      const text = fn(id);
      marginals[i].set(text, (marginals[i].get(text) ?? 0) + 1);
      return text;
    });
    const joined = parts.join('\u0000');
    rawKeyOf.set(id, joined);
    if (!rawParts.has(joined)) rawParts.set(joined, parts);
  }
  const fold = (i: number, text: string): string => {
    if (foldBelow <= 0) return text;
    const domain = domains[i];
    if (domain) return domain.includes(text) ? text : OTHER;
    return (marginals[i].get(text) ?? 0) >= foldBelow ? text : OTHER;
  };
  const strata = new Map<string, StratumCounts>();
  const stratumOf = (key: string[]) => {
    const id = JSON.stringify(key);
    let s = strata.get(id);
    if (!s) strata.set(id, (s = { key, counts: new Map() }));
    return s;
  };
  if (foldBelow > 0) for (const key of domainProduct(stratifier, domains, marginals, foldBelow)) stratumOf(key);
  const stratumOfRaw = new Map<string, StratumCounts>();
  for (const [joined, parts] of rawParts) stratumOfRaw.set(joined, stratumOf(parts.map((t, i) => fold(i, t))));
  for (const [code, set] of members) {
    const tally = new Map<StratumCounts, number>();
    for (const id of set) {
      const s = stratumOfRaw.get(rawKeyOf.get(id)!)!;
      tally.set(s, (tally.get(s) ?? 0) + 1);
    }
    for (const [s, n] of tally) s.counts.set(code, n);
  }
  return [...strata.values()].sort((a, b) => JSON.stringify(a.key).localeCompare(JSON.stringify(b.key)));
}

/** Every combination of the listed values of each component (known domain, or frequent values plus "(other)"). */
function domainProduct(stratifier: StratifierSpec, domains: (string[] | undefined)[], marginals: Map<string, number>[], foldBelow: number): string[][] {
  const lists = stratifier.components.map((_, i) => domains[i] ?? [...[...marginals[i]].filter(([, n]) => n >= foldBelow).map(([t]) => t).sort(), OTHER]);
  return lists.reduce<string[][]>((acc, list) => acc.flatMap((prefix) => list.map((v) => [...prefix, v])), [[]]);
}
