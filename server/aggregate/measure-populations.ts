/**
 * The true membership of each population of a group: the initial population from its criteria, each later
 * population inside the one it nests in (denominator ⊆ initial population, numerator ⊆ denominator minus its
 * exclusions). https://hl7.org/fhir/R4/measure-definitions.html#measure-population
 */
import type { OperationOutcomeIssue, Patient } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.ts';
import { evaluateCohort, loadPatients, parseCohortQuery } from './cohort.ts';
import { compileSubjectExpression } from './stratifier-expression.ts';
import type { CriteriaSpec, GroupSpec, PopulationCode } from './measure-definition.ts';

export interface GroupMembership {
  members: Map<PopulationCode, Set<string>>;
  patients: Map<string, Patient>;
  warnings: OperationOutcomeIssue[];
}

/** Evaluates the populations of a group; `at` is the reference date of age-based criteria. */
export async function evaluatePopulations(ctx: FhirContext, group: GroupSpec, at: Date): Promise<GroupMembership> {
  const warnings: OperationOutcomeIssue[] = [];
  const initialSpec = group.populations.find((p) => p.code === 'initial-population')!;
  let patients = new Map<string, Patient>();
  let initial: Set<string>;
  if (initialSpec.criteria!.language === 'application/x-fhir-query') {
    const cohort = await evaluateCohort(ctx, parseCohortQuery(initialSpec.criteria!.expression));
    warnings.push(...cohort.warnings);
    initial = cohort.ids;
    if (cohort.patients) patients = cohort.patients;
  } else {
    patients = await loadPatients(ctx, (await ctx.store.find({ filter: { type: 'Patient', deleted: false } })).map((v) => v.id));
    initial = new Set(patients.keys());
    initial = await narrow(ctx, initial, initialSpec.criteria!, patients, at, warnings);
  }
  patients = await loadPatients(ctx, initial, patients);

  const members = new Map<PopulationCode, Set<string>>([['initial-population', initial]]);
  const criteriaOf = (code: PopulationCode) => group.populations.find((p) => p.code === code);
  const within = async (code: PopulationCode, parent: Set<string>) => {
    const spec = criteriaOf(code);
    if (!spec) return undefined;
    const set = spec.criteria ? await narrow(ctx, parent, spec.criteria, patients, at, warnings) : new Set(parent);
    members.set(code, set);
    return set;
  };
  const denominator = (await within('denominator', initial)) ?? initial;
  const denominatorExclusion = await within('denominator-exclusion', denominator);
  const eligible = denominatorExclusion ? difference(denominator, denominatorExclusion) : denominator;
  const numerator = await within('numerator', eligible);
  if (numerator) await within('numerator-exclusion', numerator);
  return { members, patients, warnings };
}

/** The subjects of `parent` that also meet the criteria. */
async function narrow(
  ctx: FhirContext,
  parent: Set<string>,
  criteria: CriteriaSpec,
  patients: Map<string, Patient>,
  at: Date,
  warnings: OperationOutcomeIssue[],
): Promise<Set<string>> {
  if (criteria.language === 'application/x-fhir-query') {
    const cohort = await evaluateCohort(ctx, parseCohortQuery(criteria.expression), true);
    warnings.push(...cohort.warnings);
    return intersection(parent, cohort.ids);
  }
  const test = compileSubjectExpression(criteria.expression, 'Patient', at);
  const result = new Set<string>();
  for (const id of parent) {
    const patient = patients.get(id);
    if (patient && test(patient as unknown as Record<string, unknown>)[0] === true) result.add(id);
  }
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
