/**
 * The framework-free request and response of the FHIR layer. `http/` translates Express to these and back; batch
 * and transaction entries are turned into the same requests, so every interaction has one implementation.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { SiteIngest } from '../ingest/site-ingest.ts';
import type { DisclosureControl } from '../policy/disclosure-control.ts';
import type { Store } from '../store/types.ts';
import type { ResourcePipeline } from './pipeline.ts';
import type { WriteSession } from './write-session.ts';

export type SearchPairs = [string, string][];

export interface FhirRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The path below the FHIR base, without leading slash or query: "Patient/123/_history/2". */
  path: string;
  /** Query (or form) parameters in the order given. */
  params: SearchPairs;
  body?: unknown;
  /** Header values by lower-case name: if-match, if-none-exist, if-none-match, if-modified-since, prefer. */
  headers: Record<string, string | undefined>;
  /** The id a transaction assigned in advance to a POST entry, so references to its fullUrl resolve before it runs. */
  assignedId?: string;
}

export interface FhirResponse {
  status: number;
  /** The body as an object... */
  resource?: Resource;
  /** ...or as stored JSON text, served as is. */
  json?: string;
  /** ETag, Last-Modified, Location, Content-Location. */
  headers?: Record<string, string>;
}

export interface SiteLimits {
  /** `_count` when the client gives none. */
  defaultCount: number;
  /** The largest `_count` honoured. */
  maxCount: number;
  /** The most entries accepted in one batch or transaction Bundle. */
  maxBundleEntries: number;
}

/** Who is calling, as the authorization layer established it (server/auth/). */
export interface Caller {
  /** The client id of the access token. */
  clientId: string;
  /**
   * `internal`: a site-internal app, row-level within its scopes; `aggregate`: a federation caller (the hub, a
   * researcher), aggregate operations only, every number through the site's disclosure policy; `admin`: the site's
   * administrator (audit trail, configuration).
   */
  role: 'internal' | 'aggregate' | 'admin';
  /** The granted SMART scopes, as strings. */
  scopes: string[];
  /** The patient launch context, which `patient/` scopes confine access to. */
  patient?: string;
  /** For a federation hub: the client it asks for, as the hub vouched for it (verified signature). */
  onBehalfOf?: string;
  /** Why the data is asked for: a v3 PurposeOfUse code (HRESCH: healthcare research), as the hub vouched for it. */
  purposeOfUse?: string;
}

export interface FhirContext {
  /** The authenticated caller; undefined only where no authorization is configured (unit tests of handlers). */
  caller?: Caller;
  store: Store;
  /** The site's audit trail, which `AuditEvent` reads and searches of site administrators go to (server/audit/). */
  auditStore?: Store;
  pipeline: ResourcePipeline;
  /** Absolute base URL of this FHIR endpoint, without trailing slash: "http://localhost:8081/fhir". */
  baseUrl: string;
  limits: SiteLimits;
  /** Set while a transaction runs: every write of its entries is staged here and committed at the end. */
  session?: WriteSession;
  /** The site's disclosure policy, budgets and release ledger (server/policy/); aggregate callers need it. */
  disclosure?: DisclosureControl;
  /** The site's de-identification rule set, key and ingest pipeline, for `$ingest`; undefined when no key is configured. */
  ingest?: SiteIngest;
}
