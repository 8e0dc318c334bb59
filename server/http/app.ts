/**
 * The site's Express app. It never listens by itself (tests use supertest on it); `server/site.ts` does.
 */
import express from 'express';
import type { Logger } from 'pino';
import type { FhirContext, SiteLimits } from '../fhir/context.ts';
import type { ResourcePipeline } from '../fhir/pipeline.ts';
import type { Store } from '../store/types.ts';
import { NDJSON_TYPES, negotiateResponseType, requireJsonBody } from './content-negotiation.ts';
import { errorHandler } from './error-handler.ts';
import { notFound } from '../fhir/outcomes.ts';
import { fhirEndpoint } from './fhir-endpoint.ts';
import { requestId } from './request-id.ts';
import { requestLog } from './request-log.ts';
import { readBody } from './request-body.ts';
import { runSteps } from './request-steps.ts';
import { securityHeaders } from './security-headers.ts';
import type { DisclosureControl } from '../policy/disclosure-control.ts';
import type { AuthorizationServer } from '../auth/authorization-server.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import type { SiteIngest } from '../ingest/site-ingest.ts';
import { auditRequests, noteFailureForAudit } from './audit-log.ts';
import { mirrorDisclosureLedger } from '../audit/mirror-disclosure-ledger.ts';
import { mountAuthRoutes, mountDiscoveryRoutes } from './auth-routes.ts';
import { requireBearerToken } from './bearer-auth.ts';
import { acceptVouchedIdentity } from './vouched-identity.ts';
import { corsForOrigins } from './cors.ts';
import { patientChoices } from './patient-choices.ts';
import { rateLimitPerClient } from './rate-limit.ts';

export interface SiteAppOptions {
  store: Store;
  pipeline: ResourcePipeline;
  logger: Logger;
  limits: SiteLimits & { bodyLimit: string };
  /** The public base URL of /fhir when behind a proxy; otherwise taken from the request. */
  publicUrl?: string;
  /** The disclosure policy, budgets and release ledger (server/policy/); without it aggregate-only callers are refused. */
  disclosure?: DisclosureControl;
  /** The site's name, on the sign-in page and in audit events. */
  name?: string;
  /** SMART authorization: no /fhir request is served without a token this verifies (server/auth/). */
  auth: AuthorizationServer;
  /** The audit trail every /fhir and /auth request is recorded in (server/audit/). */
  audit?: AuditTrail;
  cors?: { origins: string[] };
  rateLimit?: { requestsPerMinute: number };
  /** De-identification for `$ingest` (server/ingest/site-ingest.ts); without it `$ingest` answers 501. */
  ingest?: SiteIngest;
}

export function createSiteApp(options: SiteAppOptions): express.Express {
  const { store, pipeline, logger, limits } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(
    runSteps(
      requestId,
      requestLog(logger),
      // Cross-origin reads are what CORS grants SMART apps; helmet's same-origin default would undo it.
      securityHeaders({ crossOriginResourcePolicy: { policy: 'cross-origin' } }),
      corsForOrigins(options.cors?.origins ?? []), // a preflight is answered here, and not audited
      ...(options.audit ? [auditRequests(options.audit)] : []),
    ),
  );
  // Every aggregate release or refusal also becomes an AuditEvent administrators can search.
  if (options.audit && options.disclosure) {
    mirrorDisclosureLedger(options.disclosure.ledger, options.audit, logger).catch((err: unknown) => logger.error({ err }, 'disclosure ledger not mirrored into the audit trail'));
  }
  const rateLimit = rateLimitPerClient(options.rateLimit?.requestsPerMinute ?? 1200);
  mountDiscoveryRoutes(app, { auth: options.auth, publicUrl: options.publicUrl });

  const contextFor = (req: express.Request): FhirContext => ({
    caller: req.res!.locals.caller,
    auditStore: options.audit?.readOnly,
    store,
    pipeline,
    limits,
    disclosure: options.disclosure,
    ingest: options.ingest,
    baseUrl: options.publicUrl ?? `${req.protocol}://${req.get('host')}/fhir`,
  });
  app.use(
    '/fhir',
    runSteps(
      requireBearerToken((token) => options.auth.verify(token), options.name ?? 'vitrine'),
      acceptVouchedIdentity(options.auth),
      rateLimit,
      negotiateResponseType,
      requireJsonBody,
      readBody(
        express.json({ type: ['application/json', 'application/fhir+json', 'application/json-patch+json'], limit: limits.bodyLimit, strict: true }),
        express.text({ type: 'application/x-www-form-urlencoded', limit: limits.bodyLimit }),
        express.raw({ type: NDJSON_TYPES, limit: limits.bodyLimit }), // bulk ndjson, for $ingest
      ),
      fhirEndpoint(contextFor),
    ),
  );
  app.get('/healthz', async (_req, res) => {
    await store.count({ type: 'Patient', deleted: false });
    res.json({ status: 'ok' });
  });
  app.use('/auth', runSteps(rateLimit));
  mountAuthRoutes(app, { auth: options.auth, publicUrl: options.publicUrl, serverName: options.name ?? 'Vitrine site', patients: patientChoices(store) });
  app.use((req, _res, next) => next(notFoundRoute(req.path)));
  app.use(noteFailureForAudit);
  app.use(errorHandler(logger));
  return app;
}

function notFoundRoute(path: string) {
  return notFound(`Nothing at ${path}; the FHIR endpoint is /fhir`);
}
