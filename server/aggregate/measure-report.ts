/**
 * Evaluates a Measure into a summary MeasureReport (https://hl7.org/fhir/R4/measurereport.html). Every count is a
 * cell; strata of one stratifier sum to their population's total, and cross-tab cells sum to the margins another
 * stratifier of the same group releases, so complementary suppression sees every subtraction the report allows.
 *
 * For the hub's merge: each count is a plain integer (or absent, with the `disclosure-suppressed` extension),
 * strata carry their component values as text, and `disclosure-control` says what the site applied.
 */
import type { CodeableConcept, Measure, MeasureReport, MeasureReportGroup, MeasureReportGroupPopulation, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.ts';
import { appliedExtension, exactRules, SUPPRESSED_EXTENSION, type AppliedRules } from '../policy/applied-report.ts';
import { canonicalSet } from '../policy/canonical-query.ts';
import type { ReleasedValue } from '../policy/disclosure-control.ts';
import { assertSearchAllowed, isExpressionAllowed } from '../policy/allow-list.ts';
import type { DisclosurePolicy } from '../policy/policy.ts';
import { policyRefusal } from '../policy/refusals.ts';
import type { CountCell, SumRelation } from '../policy/suppression.ts';
import type { AggregateAccess } from './access.ts';
import { parseCohortQuery } from './cohort.ts';
import { readMeasureGroups, type GroupSpec, type PopulationCode } from './measure-definition.ts';
import { evaluatePopulations } from './measure-populations.ts';
import { stratify, type StratumCounts } from './stratify.ts';

const POPULATION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/measure-population';

export interface MeasureEvaluation {
  measure: Measure;
  /** The canonical reference the report names. */
  measureRef: string;
  period: { start?: string; end?: string };
}

/** Evaluates the Measure and releases its numbers under the caller's access. */
export async function evaluateMeasureReport(ctx: FhirContext, access: AggregateAccess, input: MeasureEvaluation): Promise<{ report: MeasureReport; issues: OperationOutcomeIssue[]; applied: AppliedRules }> {
  const groups = readMeasureGroups(input.measure);
  const at = input.period.end ? new Date(input.period.end) : new Date();
  if (Number.isNaN(at.getTime())) throw policyRefusal('expression-not-allowed', 'periodEnd is not a date');
  const controlled = access.mode === 'disclosure-control';
  if (controlled) for (const g of groups) assertMeasureAllowed(g, access.control.policy);
  const k = controlled ? access.control.policy.minCellSize : 0;

  const cells: CountCell[] = [];
  const relations: SumRelation[] = [];
  const notes: string[] = [];
  const warnings: OperationOutcomeIssue[] = [];
  let releases = 0;
  const evaluated = [];
  for (const [gi, group] of groups.entries()) {
    const membership = await evaluatePopulations(ctx, group, at);
    warnings.push(...membership.warnings);
    const codes = [...membership.members.keys()];
    for (const code of codes) cells.push({ id: `g${gi}/${code}`, trueValue: membership.members.get(code)!.size });
    releases += codes.length;
    const strata: (StratumCounts[] | undefined)[] = [];
    for (const [si, stratifier] of group.stratifiers.entries()) {
      const list = stratify(stratifier, membership.members, membership.subjects, k);
      const total = membership.members.get('initial-population')!.size;
      const occupied = list.filter((s) => (s.counts.get('initial-population') ?? 0) > 0).length;
      if (controlled && access.control.policy.minimums.maxStrataRatio && occupied > Math.max(1, Math.floor(total / k))) {
        notes.push(`stratifier ${si} of group ${gi} withheld: more strata than n/k`);
        strata.push(undefined);
        continue;
      }
      strata.push(list);
      releases += codes.length;
      for (const code of codes) {
        const members = list.map((s) => stratumCell(gi, si, s.key, code));
        for (const s of list) cells.push({ id: stratumCell(gi, si, s.key, code), trueValue: s.counts.get(code) ?? 0 });
        relations.push({ total: `g${gi}/${code}`, members });
      }
    }
    relations.push(...marginRelations(gi, group, strata, codes));
    evaluated.push({ group, codes, strata });
  }

  let values: Map<string, ReleasedValue>;
  let applied: AppliedRules;
  if (controlled) {
    const query = `${input.measureRef} ${canonicalMeasure(groups)} at=${at.toISOString().slice(0, 10)}`;
    ({ values, applied } = await access.control.release({ caller: access.caller, operation: 'Measure/$evaluate-measure', query, counts: cells, relations, releases }));
    applied.notes.push(...notes);
  } else {
    values = new Map(cells.map((c) => [c.id, { value: c.trueValue }]));
    applied = exactRules();
  }

  const report: MeasureReport = {
    resourceType: 'MeasureReport',
    extension: [appliedExtension(applied)],
    status: 'complete',
    type: 'summary',
    measure: input.measureRef,
    date: new Date().toISOString(),
    period: { start: input.period.start ?? '1900-01-01', end: input.period.end ?? new Date().toISOString().slice(0, 10) },
    group: evaluated.map(({ group, codes, strata }, gi): MeasureReportGroup => ({
      code: group.code,
      population: codes.map((code) => population(code, values.get(`g${gi}/${code}`)!)),
      stratifier: group.stratifiers.flatMap((stratifier, si) => {
        const list = strata[si];
        if (!list) return [];
        return [{
          code: stratifier.code ? [stratifier.code] : undefined,
          stratum: list.map((s) => ({
            ...(s.key.length === 1 && stratifier.components.length === 1 ? { value: { text: s.key[0] } } : {
              component: stratifier.components.map((c, ci) => ({ code: c.code ?? { text: c.expression }, value: { text: s.key[ci] } })),
            }),
            population: codes.map((code) => population(code, values.get(stratumCell(gi, si, s.key, code))!)),
          })),
        }];
      }),
    })),
  };
  return { report, issues: warnings, applied };
}

function stratumCell(gi: number, si: number, key: string[], code: string): string {
  return `g${gi}/s${si}/${JSON.stringify(key)}/${code}`;
}

function population(code: PopulationCode, released: ReleasedValue): MeasureReportGroupPopulation {
  const concept: CodeableConcept = { coding: [{ system: POPULATION_SYSTEM, code }] };
  if ('value' in released) return { code: concept, count: released.value };
  return { code: concept, extension: [{ url: SUPPRESSED_EXTENSION, valueCode: released.suppressed }] };
}

/** Cross-tab cells with component i = v sum to stratum v of a single stratifier on the same expression. */
function marginRelations(gi: number, group: GroupSpec, strata: (StratumCounts[] | undefined)[], codes: PopulationCode[]): SumRelation[] {
  const relations: SumRelation[] = [];
  const norm = (e: string) => e.replace(/\s+/g, '');
  for (const [ti, margin] of group.stratifiers.entries()) {
    if (margin.components.length !== 1 || !strata[ti]) continue;
    for (const [si, table] of group.stratifiers.entries()) {
      if (si === ti || table.components.length < 2 || !strata[si]) continue;
      const ci = table.components.findIndex((c) => norm(c.expression) === norm(margin.components[0].expression));
      if (ci < 0) continue;
      for (const m of strata[ti]!) {
        for (const code of codes) {
          const members = strata[si]!.filter((s) => s.key[ci] === m.key[0]).map((s) => stratumCell(gi, si, s.key, code));
          relations.push({ total: stratumCell(gi, ti, m.key, code), members });
        }
      }
    }
  }
  return relations;
}

/** Aggregate callers: cohort queries pass the allow-list, FHIRPath criteria and stratifiers must be listed. */
function assertMeasureAllowed(group: GroupSpec, policy: DisclosurePolicy): void {
  for (const p of group.populations) {
    if (!p.criteria) continue;
    if (p.criteria.language === 'application/x-fhir-query') assertSearchAllowed(parseCohortQuery(p.criteria.expression).request, policy);
    else if (!isExpressionAllowed(p.criteria.expression, policy.allow.populationExpressions)) {
      throw policyRefusal('expression-not-allowed', `Population criteria "${p.criteria.expression.slice(0, 100)}" is not in the site's allow-list`, 'Measure.group.population.criteria');
    }
  }
  for (const s of group.stratifiers) {
    for (const c of s.components) {
      if (!isExpressionAllowed(c.expression, policy.allow.stratifiers)) {
        throw policyRefusal('stratifier-not-allowed', `Stratifier "${c.expression.slice(0, 100)}" is not in the site's allow-list`, 'Measure.group.stratifier');
      }
    }
  }
}

/** The meaning-bearing parts of the groups, canonical (criteria queries in canonical form). */
function canonicalMeasure(groups: GroupSpec[]): string {
  return JSON.stringify(groups.map((g) => ({
    populations: canonicalSet(g.populations.map((p) => [p.code, p.criteria?.language === 'application/x-fhir-query' ? parseCohortQuery(p.criteria.expression).canonical : p.criteria?.expression.replace(/\s+/g, '')])),
    stratifiers: g.stratifiers.map((s) => s.components.map((c) => c.expression.replace(/\s+/g, ''))),
  })));
}
