/** What every hub handler gets: the sites, the policy, the metrics, and the request's deadline and identity. */
import type { HubConfig } from '../config/hub-config.ts';
import type { Caller } from '../fhir/context.ts';
import type { AsyncJobs } from './async-jobs.ts';
import type { HubMetrics } from './metrics.ts';
import type { SiteClient } from './site-client.ts';

export interface HubContext {
  config: HubConfig;
  sites: SiteClient[];
  metrics: HubMetrics;
  jobs: AsyncJobs;
  /** Absolute base URL of the hub's FHIR endpoint. */
  baseUrl: string;
  /** The request id, passed on to every site so one query can be followed across processes. */
  requestId: string;
  /** The researcher or AI client asking, as the hub's authorization established it. */
  caller?: Caller;
  /** The caller's identity signed by the hub, passed to every site (X-Vitrine-On-Behalf-Of) so their audit sees who asked. */
  onBehalfOf?: string;
}
