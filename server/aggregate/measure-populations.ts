/**
 * The true membership of each population of a group: the initial population from its criteria, each later
 * population inside the one it nests in (denominator ⊆ initial population, numerator ⊆ denominator minus its
 * exclusions). https://hl7.org/fhir/R4/measure-definitions.html#measure-population
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.ts';
import { evaluateCohort, parseCohortQuery } from './cohort.ts';
import type { CriteriaSpec, GroupSpec, PopulationCode } from './measure-definition.ts';
import { SubjectTable } from './subject-table.ts';

export interface GroupMembership {
  members: Map<PopulationCode, Set<string>>;
  /** What the stratifiers read of each member of the initial population. */
  subjects: SubjectTable;
  warnings: OperationOutcomeIssue[];
}

/** Evaluates the populations of a group; `at` is the reference date of age-based criteria. */
export async function evaluatePopulations(ctx: FhirContext, group: GroupSpec, at: Date): Promise<GroupMembership> {
  const warnings: OperationOutcomeIssue[] = [];
  const subjects = new SubjectTable(at);
  const initialSpec = group.populations.find((p) => p.code === 'initial-population')!;
  let initial: Set<string>;
  if (initialSpec.criteria!.language === 'application/x-fhir-query') {
    const cohort = await evaluateCohort(ctx, parseCohortQuery(initialSpec.criteria!.expression), subjects);
    warnings.push(...cohort.warnings);
    initial = cohort.ids;
  } else {
    const everyone = await evaluateCohort(ctx, parseCohortQuery('Patient'), subjects);
    initial = await narrow(ctx, everyone.ids, initialSpec.criteria!, subjects, warnings);
  }

  const members = new Map<PopulationCode, Set<string>>([['initial-population', initial]]);
  const criteriaOf = (code: PopulationCode) => group.populations.find((p) => p.code === code);
  const within = async (code: PopulationCode, parent: Set<string>) => {
    const spec = criteriaOf(code);
    if (!spec) return undefined;
    const set = spec.criteria ? await narrow(ctx, parent, spec.criteria, subjects, warnings) : new Set(parent);
    members.set(code, set);
    return set;
  };
  const denominator = (await within('denominator', initial)) ?? initial;
  const denominatorExclusion = await within('denominator-exclusion', denominator);
  const eligible = denominatorExclusion ? difference(denominator, denominatorExclusion) : denominator;
  const numerator = await within('numerator', eligible);
  if (numerator) await within('numerator-exclusion', numerator);
  const expressions = group.stratifiers.flatMap((s) => s.components.map((c) => c.expression));
  await subjects.prepare(ctx, initial, expressions);
  return { members, subjects, warnings };
}

/** The subjects of `parent` that also meet the criteria. */
async function narrow(
  ctx: FhirContext,
  parent: Set<string>,
  criteria: CriteriaSpec,
  subjects: SubjectTable,
  warnings: OperationOutcomeIssue[],
): Promise<Set<string>> {
  if (criteria.language === 'application/x-fhir-query') {
    const cohort = await evaluateCohort(ctx, parseCohortQuery(criteria.expression), undefined, parent);
    warnings.push(...cohort.warnings);
    return intersection(parent, cohort.ids);
  }
  await subjects.prepare(ctx, parent, [criteria.expression]);
  const test = subjects.test(criteria.expression);
  const result = new Set<string>();
  for (const id of parent) if (test(id)) result.add(id);
  return result;
}

function intersection(a: Set<string>, b: Set<string>): Set<string> {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  const out = new Set<string>();
  for (const x of small) if (large.has(x)) out.add(x);
  return out;
}

function difference(a: Set<string>, b: Set<string>): Set<string> {
  const out = new Set<string>();
  for (const x of a) if (!b.has(x)) out.add(x);
  return out;
}
