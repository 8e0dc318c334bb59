/** A federated count: `GET [hub]/fhir/{type}?...&_summary=count`, summed over the sites, through the hub policy. */
import type { Bundle, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { FhirRequest, FhirResponse } from '../fhir/context.ts';
import { forbidden, issue } from '../fhir/outcomes.ts';
import { fanOut } from './fan-out.ts';
import { federationOutcome } from './federation-outcome.ts';
import type { HubContext } from './hub-context.ts';
import { mergeCounts } from './hub-policy.ts';
import { readReleasedCount } from './site-answers.ts';
import { noSiteAnswered, selectSites, siteParams, siteRequestHeaders } from './site-selection.ts';

export async function federatedCount(req: FhirRequest, hub: HubContext, type: string): Promise<FhirResponse> {
  const params = siteParams(req.params);
  if (!params.some(([name, value]) => name === '_summary' && value === 'count')) {
    throw forbidden('[hub-aggregate-only] The hub answers aggregates only: add _summary=count to count matches');
  }
  const sites = selectSites(req, hub);
  const out = await fanOut(
    sites,
    { method: 'GET', path: `${type}?${new URLSearchParams(params)}`, headers: siteRequestHeaders(hub) },
    Date.now() + hub.config.deadlineMs,
    hub.metrics,
  );
  const results = out.results.map((r) => {
    if (!r.ok) return r;
    const count = readReleasedCount(r.body);
    return count ? { ...r, count } : { ok: false as const, site: r.site, kind: 'malformed' as const, reason: 'the site answered something that is not a count', ms: r.ms };
  });
  const answered = results.flatMap((r) => ('count' in r && r.ok ? [{ site: r.site, count: r.count }] : []));
  if (answered.length === 0) throw noSiteAnswered(results);

  const merged = mergeCounts(answered, hub.config.policy);
  const extra: OperationOutcomeIssue[] = [];
  if (merged.suppressed) extra.push({ ...issue('information', 'suppressed', 'The merged count is suppressed'), details: { coding: [{ code: 'suppressed' }], text: 'The merged count is suppressed' } });
  if (merged.atLeast) extra.push(issue('information', 'informational', `The count is at least ${merged.value}`));
  for (const [site, value] of Object.entries(merged.perSite ?? {})) {
    extra.push({ ...issue('information', 'informational', `${site}: ${value}`), expression: [`site:${site}`] });
  }
  const partial = results.some((r) => !r.ok);
  hub.metrics.recordRequest('count', partial ? 'partial' : 'complete');
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
  if (!merged.suppressed) bundle.total = merged.value;
  bundle.entry = [{ resource: federationOutcome(results, merged.applied, extra), search: { mode: 'outcome' } }];
  return { status: 200, resource: bundle };
}
