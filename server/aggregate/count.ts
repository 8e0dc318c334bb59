/**
 * `_summary=count` for aggregate-only callers: the count passes the allow-list, the rate limit, the budget and
 * the policy (suppression, noise, rounding) before it leaves, and the Bundle says what was applied. Any other
 * search by such a caller is row-level and refused. https://hl7.org/fhir/R4/search.html#summary
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import type { FhirContext, FhirRequest, FhirResponse } from '../fhir/context.ts';
import { appliedIssues } from '../policy/applied-report.ts';
import { assertSearchAllowed } from '../policy/allow-list.ts';
import { canonicalSet } from '../policy/canonical-query.ts';
import { policyRefusal } from '../policy/refusals.ts';
import { searchResources } from '../search/execute.ts';
import { parseSearchRequest } from '../search/parse.ts';
import { aggregateAccess } from './access.ts';
import { assertCohortComplete } from './cohort.ts';
import { runAggregate } from './run-aggregate.ts';

export const SUPPRESSED_TAG = { system: 'https://vitrine.dev/fhir/CodeSystem/disclosure', code: 'suppressed' };

/** Answers a search by an aggregate-only caller: a count through the policy, or 403. */
export async function aggregateCountBundle(req: FhirRequest, ctx: FhirContext, scope: { type?: string; compartment?: string }): Promise<FhirResponse> {
  const access = aggregateAccess(ctx, scope.type ? [scope.type] : []);
  if (access.mode === 'exact') throw policyRefusal('aggregate-only', 'Not an aggregate caller');
  const query = `${scope.compartment ?? ''}${scope.type ?? ''}?${req.params.map(([n, v]) => `${n}=${v}`).join('&')}`.slice(0, 2000);
  return runAggregate(access, 'search-count', query, async () => {
    const request = parseSearchRequest(scope.type, req.params, { strict: true });
    if (request.summary !== 'count') {
      throw policyRefusal('aggregate-only', 'Aggregate-only callers may search with _summary=count only; rows are never returned to them', '_summary');
    }
    if (scope.compartment) request.compartment = scope.compartment;
    assertSearchAllowed(request, access.control.policy);
    const result = await searchResources(ctx.store, request);
    // A count over a `_has` or chain the search layer cut at its cap would be silently low: refused instead.
    assertCohortComplete(result.warnings);
    const canonical = `${request.resourceType}?${canonicalSet(request.filters).join('&')}`;
    const { values, applied } = await access.control.release({
      caller: access.caller,
      operation: 'search-count',
      query: canonical,
      counts: [{ id: 'total', trueValue: result.total ?? 0 }],
      relations: [],
      releases: 1,
    });
    const released = values.get('total')!;
    const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: [...result.warnings, ...appliedIssues(applied)] };
    const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', entry: [{ resource: outcome, search: { mode: 'outcome' } }] };
    if ('value' in released) bundle.total = released.value;
    else bundle.meta = { tag: [SUPPRESSED_TAG] };
    return { status: 200, resource: bundle };
  });
}
