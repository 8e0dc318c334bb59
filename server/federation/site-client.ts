/**
 * One site as the hub sees it: requests with a per-attempt timeout bounded by the caller's deadline, retries with
 * exponential backoff for failures that are safe to retry, and a circuit breaker. Never throws: every failure comes
 * back as a SiteFailure whose reason is the hub's own words, never the site's error text (which could carry data).
 */
import type { HubSiteConfig } from '../config/hub-config.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import type { SiteAuthorizer } from './site-token.ts';

export type SiteFailureKind = 'timeout' | 'unreachable' | 'error' | 'malformed' | 'refused' | 'circuit-open';

export interface SiteFailure {
  ok: false;
  site: string;
  kind: SiteFailureKind;
  /** A short reason written by the hub (status code, rule name) — never the site's body. */
  reason: string;
  status?: number;
  ms: number;
}

export interface SiteSuccess<T = unknown> {
  ok: true;
  site: string;
  body: T;
  status: number;
  ms: number;
}

export type SiteResult<T = unknown> = SiteSuccess<T> | SiteFailure;

export interface SiteRequest {
  method: 'GET' | 'POST';
  /** Path and query below the site's FHIR base: "Patient?gender=female&_summary=count". */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Absolute time (ms since epoch) after which nothing more is tried. */
  deadline: number;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);
const BACKOFF_BASE_MS = 50;

export class SiteClient {
  readonly breaker: CircuitBreaker;

  constructor(
    readonly config: HubSiteConfig,
    breaker: { failureThreshold: number; cooldownMs: number },
    private readonly authorize: SiteAuthorizer = async () => ({}),
  ) {
    this.breaker = new CircuitBreaker(breaker.failureThreshold, breaker.cooldownMs);
  }

  get name(): string {
    return this.config.name;
  }

  async send<T>(request: SiteRequest): Promise<SiteResult<T>> {
    const started = Date.now();
    const fail = (kind: SiteFailureKind, reason: string, status?: number): SiteFailure => ({ ok: false, site: this.name, kind, reason, status, ms: Date.now() - started });
    if (!this.breaker.tryAcquire()) return fail('circuit-open', 'skipped: the site failed repeatedly and is cooling down');

    let last: SiteFailure = fail('timeout', 'deadline passed before the site could be asked');
    for (let attempt = 0; attempt <= this.config.retries; attempt++) {
      const remaining = request.deadline - Date.now();
      if (remaining <= 0) break;
      const result = await this.attempt<T>(request, Math.min(this.config.timeoutMs, remaining), started);
      if (result.ok) {
        this.breaker.recordSuccess();
        return result;
      }
      last = result;
      // Only failures that say nothing about the query itself are retried: the network, a gateway, a timeout.
      const retryable = result.kind === 'unreachable' || result.kind === 'timeout' || (result.status !== undefined && RETRYABLE_STATUS.has(result.status));
      if (!retryable) break;
      const backoff = BACKOFF_BASE_MS * 2 ** attempt * (0.5 + Math.random() / 2);
      if (Date.now() + backoff >= request.deadline) break;
      await new Promise((r) => setTimeout(r, backoff));
    }
    // A refusal by policy is the site working as designed, not a fault of the site.
    if (last.kind === 'refused') this.breaker.recordSuccess();
    else this.breaker.recordFailure();
    return { ...last, ms: Date.now() - started };
  }

  private async attempt<T>(request: SiteRequest, timeoutMs: number, started: number): Promise<SiteResult<T>> {
    const fail = (kind: SiteFailureKind, reason: string, status?: number): SiteFailure => ({ ok: false, site: this.name, kind, reason, status, ms: Date.now() - started });
    let authorization: Record<string, string>;
    const tokenStarted = Date.now();
    try {
      authorization = await this.authorize(timeoutMs);
    } catch (err) {
      const timedOut = Date.now() - tokenStarted >= timeoutMs - 5 || (err as Error).name === 'TimeoutError';
      return timedOut ? fail('timeout', `no token from the site within ${timeoutMs} ms`) : fail('refused', 'the hub could not obtain an access token at the site');
    }
    timeoutMs = Math.max(1, timeoutMs - (Date.now() - tokenStarted));
    let response: Response;
    try {
      const headers: Record<string, string> = { Accept: 'application/fhir+json', ...authorization, ...request.headers };
      if (request.body !== undefined) headers['Content-Type'] = 'application/fhir+json';
      response = await fetch(`${this.config.url}/${request.path}`, {
        method: request.method,
        headers,
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const name = (err as Error).name;
      return name === 'TimeoutError' || name === 'AbortError' ? fail('timeout', `no answer within ${timeoutMs} ms`) : fail('unreachable', 'the site could not be reached');
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      return fail('malformed', `the site answered ${response.status} with a body that is not JSON`, response.status);
    }
    if (response.status === 401 || response.status === 403 || response.status === 429) return fail('refused', refusalReason(body, response.status), response.status);
    if (!response.ok) return fail('error', `the site answered ${response.status}`, response.status);
    if (typeof body !== 'object' || body === null || typeof (body as { resourceType?: unknown }).resourceType !== 'string') {
      return fail('malformed', 'the site answered with something that is not a FHIR resource', response.status);
    }
    return { ok: true, site: this.name, body: body as T, status: response.status, ms: Date.now() - started };
  }
}

/**
 * A refusal names the rule the site applied. Only the issue code and a rule id (`[rule-name]` or an
 * `OperationOutcome.issue.details.coding.code`) are passed on: the free text could describe the data.
 */
function refusalReason(body: unknown, status: number): string {
  const issue = (body as { issue?: { code?: string; details?: { coding?: { code?: string }[] } }[] })?.issue?.[0];
  const rule = issue?.details?.coding?.[0]?.code;
  const safeRule = rule && /^[\w.:-]{1,64}$/.test(rule) ? rule : undefined;
  return `refused by the site (${status}${issue?.code ? ` ${issue.code}` : ''}${safeRule ? `, rule ${safeRule}` : ''})`;
}
