/**
 * The values a statistic is computed over: Observations of one code (optionally in a period, optionally for a
 * cohort of patients), found in-process through server/search/. Each patient contributes one value — their latest
 * in the period — so one patient can move a statistic only by a bounded amount.
 */
import type { Observation, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.ts';
import { badRequest } from '../fhir/outcomes.ts';
import { parseSearchRequest } from '../search/parse.ts';
import { compileCohortFilter, evaluateCohort, type ParsedCohortQuery } from './cohort.ts';

export interface ValueQuery {
  /** "system|code". */
  code: string;
  periodStart?: string;
  periodEnd?: string;
  cohort?: ParsedCohortQuery;
}

export interface ObservedValues {
  values: number[];
  unit?: string;
  warnings: OperationOutcomeIssue[];
}

/** One value per patient: the latest Observation of the code in the period with a numeric valueQuantity. */
export async function observedValues(ctx: FhirContext, query: ValueQuery): Promise<ObservedValues> {
  const params: [string, string][] = [['code', query.code]];
  if (query.periodStart) params.push(['date', `ge${query.periodStart}`]);
  if (query.periodEnd) params.push(['date', `le${query.periodEnd}`]);
  let request;
  try {
    request = parseSearchRequest('Observation', params, { strict: true });
  } catch {
    throw badRequest('code must be system|code, and periodStart/periodEnd dates', 'code');
  }
  const warnings: OperationOutcomeIssue[] = [];
  const cohort = query.cohort ? await evaluateCohort(ctx, query.cohort) : undefined;
  if (cohort) warnings.push(...cohort.warnings);
  const filter = await compileCohortFilter(ctx, request, warnings);
  const latest = new Map<string, { at: string; value: number; unit?: string }>();
  for (const v of await ctx.store.find({ filter })) {
    const obs = JSON.parse(v.json) as Observation;
    const value = obs.valueQuantity?.value;
    const patient = /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(obs.subject?.reference ?? '')?.[1];
    if (typeof value !== 'number' || !patient || (cohort && !cohort.ids.has(patient))) continue;
    const at = obs.effectiveDateTime ?? obs.effectivePeriod?.start ?? obs.issued ?? '';
    const seen = latest.get(patient);
    if (!seen || at > seen.at) latest.set(patient, { at, value, unit: obs.valueQuantity?.code ?? obs.valueQuantity?.unit });
  }
  const entries = [...latest.values()];
  return { values: entries.map((e) => e.value), unit: entries[0]?.unit, warnings };
}
