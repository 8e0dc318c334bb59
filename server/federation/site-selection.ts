/** Which sites a hub request goes to (`_site`), what is passed on to them, and the answer when none answered. */
import type { FhirRequest, SearchPairs } from '../fhir/context.ts';
import { badRequest, OperationOutcomeError } from '../fhir/outcomes.ts';
import { chooseSites } from './fan-out.ts';
import { federationOutcome } from './federation-outcome.ts';
import type { HubContext } from './hub-context.ts';
import type { SiteClient, SiteResult } from './site-client.ts';

/** The parameters passed on to the sites: everything but the hub's own `_site`. */
export function siteParams(params: SearchPairs): SearchPairs {
  return params.filter(([name]) => name !== '_site');
}

export function selectSites(req: FhirRequest, hub: HubContext): SiteClient[] {
  const requested = req.params.filter(([name]) => name === '_site').map(([, value]) => value);
  const chosen = chooseSites(hub.sites, requested);
  if ('unknown' in chosen) throw badRequest(`_site: unknown site ${chosen.unknown.join(', ')}`, '_site');
  return chosen;
}

/**
 * The request id is passed on, so one federated query can be followed in every site's log; so is the caller's
 * identity, signed by the hub, so each site's audit can record who asked through the hub.
 */
export function siteRequestHeaders(hub: HubContext): Record<string, string> {
  return { 'X-Request-Id': hub.requestId, ...(hub.onBehalfOf ? { 'X-Vitrine-On-Behalf-Of': hub.onBehalfOf } : {}) };
}

/** 503 with every site's failure named, when no site contributed. */
export function noSiteAnswered(results: SiteResult[]): OperationOutcomeError {
  return new OperationOutcomeError(federationOutcome(results, []), 503);
}
