/** Runs a hub request: synchronously, or as a FHIR asynchronous request when the client prefers it. */
import type { FhirRequest, FhirResponse } from '../fhir/context.ts';
import { asyncOwner } from './async-status.ts';
import type { HubContext } from './hub-context.ts';
import { matchHubRoute } from './hub-routes.ts';

export async function hubDispatch(req: FhirRequest, hub: HubContext): Promise<FhirResponse> {
  const { route, params } = matchHubRoute(req.method, req.path);
  const respondAsync = /(?:^|[;,\s])respond-async(?:$|[;,\s])/.test(req.headers.prefer ?? '');
  if (!respondAsync || !route.async) return route.handler(req, hub, params);
  const id = hub.jobs.start(asyncOwner(hub), `${req.method} ${req.path}`, () => route.handler(req, hub, params));
  return { status: 202, headers: { 'Content-Location': `${hub.baseUrl}/_async/${id}` } };
}
