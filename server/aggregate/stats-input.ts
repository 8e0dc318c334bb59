/** The shared inputs of $stats and $histogram: code, cohort, period, bounds — and the policy checks on them. */
import type { FhirContext } from '../fhir/context.ts';
import { badRequest } from '../fhir/outcomes.ts';
import { assertSearchAllowed } from '../policy/allow-list.ts';
import { policyRefusal } from '../policy/refusals.ts';
import type { AggregateAccess } from './access.ts';
import { parseCohortQuery } from './cohort.ts';
import type { OperationInput } from './operation-input.ts';
import type { ValueQuery } from './observation-values.ts';

export interface StatsQuery extends ValueQuery {
  /** Values are clamped to these before anything is computed (disclosure control), or bound automatic bins. */
  bounds?: { lower: number; upper: number };
}

/** Reads code (`system|code`, or `code` + `system`), `cohort` (a Patient query), `periodStart`/`periodEnd`, `lower`/`upper`. */
export function readStatsQuery(ctx: FhirContext, input: OperationInput, access: AggregateAccess): StatsQuery {
  const codes = input.all('code');
  if (codes.length !== 1) throw badRequest('Give exactly one code (system|code)', 'code');
  const system = input.text('system');
  const code = codes[0].includes('|') ? codes[0] : system ? `${system}|${codes[0]}` : codes[0];
  if (input.text('subject') !== undefined) {
    if (access.mode !== 'exact') throw policyRefusal('filter-not-allowed', 'Statistics over named subjects single out patients; give a cohort query', 'subject');
    throw badRequest('Give the cohort as cohort=Patient?...', 'subject');
  }
  const cohortText = input.text('cohort');
  const cohort = cohortText ? parseCohortQuery(cohortText, 'cohort') : undefined;
  if (cohort && cohort.type !== 'Patient') throw badRequest('cohort must be a Patient query', 'cohort');
  const [lower, upper] = [input.text('lower'), input.text('upper')].map((v) => (v === undefined ? undefined : Number(v)));
  if ((lower !== undefined && !Number.isFinite(lower)) || (upper !== undefined && !Number.isFinite(upper))) throw badRequest('lower and upper must be numbers', 'lower');
  let bounds = lower !== undefined && upper !== undefined ? { lower, upper } : undefined;
  if (bounds && bounds.lower >= bounds.upper) throw badRequest('lower must be below upper', 'lower');
  if (access.mode === 'disclosure-control') {
    const { policy } = access.control;
    if (cohort) assertSearchAllowed(cohort.request, policy);
    const allowedCodes = policy.allow.observationCodes ?? [];
    if (allowedCodes.length > 0 && !allowedCodes.includes(code)) throw policyRefusal('statistics-code-not-allowed', `Statistics on ${code} are not open to aggregate callers`, 'code');
    bounds ??= policy.statisticsBounds?.[code];
    if (!bounds) throw policyRefusal('statistics-need-bounds', `Give lower and upper bounds for ${code}: values are clamped to them so one patient moves a statistic by a bounded amount`, 'lower');
  }
  return { code, cohort, periodStart: input.text('periodStart'), periodEnd: input.text('periodEnd'), bounds };
}

/** The canonical text of a stats query, for the noise key and the ledger. */
export function canonicalStatsQuery(q: StatsQuery, extra: string): string {
  return `code=${q.code} cohort=${q.cohort?.canonical ?? 'all'} period=${q.periodStart ?? ''}..${q.periodEnd ?? ''} bounds=${q.bounds?.lower}..${q.bounds?.upper} ${extra}`;
}
