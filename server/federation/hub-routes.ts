/**
 * The hub's interaction table: only aggregate operations exist here. Anything else — read, vread, history,
 * plain search, writes — is refused with the rule named; the hub has no code path that returns a site's resource.
 */
import type { FhirRequest, FhirResponse } from '../fhir/context.ts';
import { isResourceType } from '../fhir/definitions.ts';
import { forbidden, notFound, unknownType } from '../fhir/outcomes.ts';
import { asyncStatus, cancelAsync } from './async-status.ts';
import { federatedCount } from './federated-count.ts';
import { federatedOperation } from './federated-operations.ts';
import { hubCapabilityStatement } from './hub-capabilities.ts';
import type { HubContext } from './hub-context.ts';

export interface HubRoute {
  method: FhirRequest['method'];
  /** Segments below the base: literals or `{type}`, `{id}`. */
  path: string[];
  summary: string;
  /** True when the route may run with `Prefer: respond-async`. */
  async?: boolean;
  handler(req: FhirRequest, hub: HubContext, params: { type?: string; id?: string }): Promise<FhirResponse>;
}

export const hubRoutes: HubRoute[] = [
  { method: 'GET', path: ['metadata'], summary: 'the hub CapabilityStatement', handler: async (_req, hub) => hubCapabilityStatement(hub) },
  { method: 'GET', path: ['_async', '{id}'], summary: 'status of an asynchronous request', handler: (req, hub, p) => asyncStatus(req, hub, p.id!) },
  { method: 'DELETE', path: ['_async', '{id}'], summary: 'cancel an asynchronous request', handler: (req, hub, p) => cancelAsync(req, hub, p.id!) },
  { method: 'GET', path: ['{type}'], summary: 'federated count (_summary=count only)', async: true, handler: (req, hub, p) => federatedCount(req, hub, p.type!) },
  ...(['GET', 'POST'] as const).flatMap((method): HubRoute[] => [
    { method, path: ['Measure', '$evaluate-measure'], summary: 'federated summary MeasureReport (inline or referenced Measure)', async: true, handler: (req, hub) => federatedOperation(req, hub, 'evaluate-measure') },
    { method, path: ['Measure', '{id}', '$evaluate-measure'], summary: 'federated summary MeasureReport of a Measure each site holds', async: true, handler: (req, hub) => federatedOperation(req, hub, 'evaluate-measure') },
    { method, path: ['Observation', '$stats'], summary: 'pooled statistics of a code over the sites', async: true, handler: (req, hub) => federatedOperation(req, hub, 'stats') },
    { method, path: ['Observation', '$histogram'], summary: 'merged histogram over aligned bins', async: true, handler: (req, hub) => federatedOperation(req, hub, 'histogram') },
  ]),
];

const ROW_LEVEL = '[hub-aggregate-only] The hub answers aggregate operations only; row-level access to site data is not offered';

export function matchHubRoute(method: string, path: string): { route: HubRoute; params: { type?: string; id?: string } } {
  const segments = path === '' ? [] : path.split('/');
  for (const route of hubRoutes) {
    if (route.method !== method || route.path.length !== segments.length) continue;
    const params: { type?: string; id?: string } = {};
    let matched = true;
    for (let i = 0; i < segments.length && matched; i++) {
      const want = route.path[i];
      if (want === '{type}') {
        matched = isResourceType(segments[i]);
        params.type = segments[i];
      } else if (want === '{id}') params.id = segments[i];
      else matched = want === segments[i];
    }
    if (matched) return { route, params };
  }
  const [first] = segments;
  if (first && /^[A-Z]/.test(first) && !isResourceType(first)) throw unknownType(first);
  if (first && isResourceType(first)) throw forbidden(ROW_LEVEL);
  if (method !== 'GET' || first === '_history' || first === '_search' || segments.length === 0) throw forbidden(ROW_LEVEL);
  throw notFound(`No hub interaction at /${path}`);
}
