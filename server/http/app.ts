/**
 * The site's Express app. It never listens by itself (tests use supertest on it); `server/site.ts` does.
 */
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { FhirContext, SiteLimits } from '../fhir/context.ts';
import type { ResourcePipeline } from '../fhir/pipeline.ts';
import type { Store } from '../store/types.ts';
import { negotiateResponseType, requireJsonBody } from './content-negotiation.ts';
import { errorHandler } from './error-handler.ts';
import { notFound } from '../fhir/outcomes.ts';
import { fhirEndpoint } from './fhir-endpoint.ts';
import { requestId } from './request-id.ts';
import { requestLog } from './request-log.ts';
import type { DisclosureControl } from '../policy/disclosure-control.ts';

export interface SiteAppOptions {
  store: Store;
  pipeline: ResourcePipeline;
  logger: Logger;
  limits: SiteLimits & { bodyLimit: string };
  /** The public base URL of /fhir when behind a proxy; otherwise taken from the request. */
  publicUrl?: string;
  /** The disclosure policy, budgets and release ledger (server/policy/); without it aggregate-only callers are refused. */
  disclosure?: DisclosureControl;
}

export function createSiteApp(options: SiteAppOptions): express.Express {
  const { store, pipeline, logger, limits } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId);
  app.use(requestLog(logger));
  app.use(helmet());

  app.get('/healthz', async (_req, res) => {
    await store.count({ type: 'Patient', deleted: false });
    res.json({ status: 'ok' });
  });

  const contextFor = (req: express.Request): FhirContext => ({
    store,
    pipeline,
    limits,
    disclosure: options.disclosure,
    baseUrl: options.publicUrl ?? `${req.protocol}://${req.get('host')}/fhir`,
  });
  app.use(
    '/fhir',
    negotiateResponseType,
    requireJsonBody,
    express.json({ type: ['application/json', 'application/fhir+json', 'application/json-patch+json'], limit: limits.bodyLimit, strict: true }),
    express.text({ type: 'application/x-www-form-urlencoded', limit: limits.bodyLimit }),
    fhirEndpoint(contextFor),
  );
  app.use((req, _res, next) => next(notFoundRoute(req.path)));
  app.use(errorHandler(logger));
  return app;
}

function notFoundRoute(path: string) {
  return notFound(`Nothing at ${path}; the FHIR endpoint is /fhir`);
}
