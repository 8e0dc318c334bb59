/**
 * Federated $-operations: the request goes to every chosen site as it came (without `_site`), each site answers
 * through its own policy, and the hub merges the answers and applies its own policy.
 */
import type { MeasureReport, Observation, OperationOutcome, Parameters, Resource } from '@medplum/fhirtypes';
import type { FhirRequest, FhirResponse } from '../fhir/context.ts';
import { issue } from '../fhir/outcomes.ts';
import { fanOut } from './fan-out.ts';
import { federationOutcome } from './federation-outcome.ts';
import type { HubContext } from './hub-context.ts';
import { mergeHistograms } from './merge-histograms.ts';
import { mergeMeasureReports } from './merge-measure-reports.ts';
import { mergeStatistics } from './merge-statistics.ts';
import type { SiteResult } from './site-client.ts';
import { noSiteAnswered, selectSites, siteParams, siteRequestHeaders } from './site-selection.ts';

export type FederatedOperation = 'evaluate-measure' | 'stats' | 'histogram';

const EXPECTED: Record<FederatedOperation, string> = { 'evaluate-measure': 'MeasureReport', stats: 'Parameters', histogram: 'Parameters' };

export async function federatedOperation(req: FhirRequest, hub: HubContext, operation: FederatedOperation): Promise<FhirResponse> {
  const sites = selectSites(req, hub);
  const query = new URLSearchParams(siteParams(req.params)).toString();
  const body = req.method === 'POST' ? req.body : undefined;
  const out = await fanOut<Resource>(
    sites,
    { method: req.method === 'POST' ? 'POST' : 'GET', path: `${req.path}${query ? `?${query}` : ''}`, body, headers: siteRequestHeaders(hub) },
    Date.now() + hub.config.deadlineMs,
    hub.metrics,
  );
  const results: SiteResult<Resource>[] = out.results.map((r) =>
    r.ok && r.body.resourceType !== EXPECTED[operation] ? { ok: false, site: r.site, kind: 'malformed', reason: `the site answered a ${r.body.resourceType}, not a ${EXPECTED[operation]}`, ms: r.ms } : r,
  );
  const answers = results.flatMap((r) => (r.ok ? [r.body] : []));
  if (answers.length === 0) throw noSiteAnswered(results);
  hub.metrics.recordRequest(operation, answers.length < results.length ? 'partial' : 'complete');

  const policy = hub.config.policy;
  const applied = [`minimum cell size ${policy.minCellSize} on merged cells`, ...(policy.rounding > 1 ? [`merged counts rounded to ${policy.rounding}`] : [])];
  if (operation === 'evaluate-measure') {
    const report = mergeMeasureReports(answers as MeasureReport[], policy);
    const outcome = { ...federationOutcome(results, applied), id: 'federation' };
    report.contained = [outcome];
    report.extension = [{ url: 'https://vitrine.dev/fhir/StructureDefinition/federation-outcome', valueReference: { reference: '#federation' } }];
    return { status: 200, resource: report };
  }
  const parameters = answers as Parameters[];
  if (operation === 'stats') {
    const observations = parameters.map((p) => p.parameter?.find((x) => x.name === 'statistics')?.resource as Observation | undefined).filter((o): o is Observation => Boolean(o));
    const { observation, notes } = mergeStatistics(observations, policy);
    return { status: 200, resource: withOutcome([{ name: 'statistics', resource: observation }], federationOutcome(results, [...applied, ...notes])) };
  }
  const merged = mergeHistograms(parameters, policy);
  const approximate = issue('information', 'informational', 'bins are added across sites; bins a site reported with other edges are marked at-least');
  return { status: 200, resource: withOutcome(merged, federationOutcome(results, applied, [approximate])) };
}

function withOutcome(parameter: Parameters['parameter'], outcome: OperationOutcome): Parameters {
  return { resourceType: 'Parameters', parameter: [...(parameter ?? []), { name: 'outcome', resource: outcome }] };
}
