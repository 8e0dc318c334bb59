/** The hub's Express app: the same adapter pieces as a site's, over the hub's route table. Never listens itself. */
import express from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { FhirRequest } from '../fhir/context.ts';
import { notFound } from '../fhir/outcomes.ts';
import type { HubContext } from '../federation/hub-context.ts';
import { hubDispatch } from '../federation/hub-dispatch.ts';
import { negotiateResponseType, requireJsonBody } from './content-negotiation.ts';
import { errorHandler } from './error-handler.ts';
import { requestId } from './request-id.ts';
import { requestLog } from './request-log.ts';
import { sendResource } from './send.ts';

export type HubState = Omit<HubContext, 'baseUrl' | 'requestId' | 'caller'>;

export function createHubApp(state: HubState, logger: Logger, publicUrl?: string): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(requestId);
  app.use(requestLog(logger));
  app.use(helmet());

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok', sites: state.sites.map((s) => ({ name: s.name, circuit: s.breaker.state })) }));
  app.get('/metrics', (_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(state.metrics.render(new Map(state.sites.map((s) => [s.name, s.breaker.state]))));
  });

  app.use(
    '/fhir',
    negotiateResponseType,
    requireJsonBody,
    express.json({ type: ['application/json', 'application/fhir+json'], limit: '1mb', strict: true }),
    async (req, res, next) => {
      try {
        const hub: HubContext = { ...state, baseUrl: publicUrl ?? `${req.protocol}://${req.get('host')}/fhir`, requestId: res.locals.requestId };
        const fhirRequest: FhirRequest = {
          method: (req.method === 'HEAD' ? 'GET' : req.method) as FhirRequest['method'],
          path: req.path.replace(/^\/+/, '').replace(/\/+$/, ''),
          params: [...new URLSearchParams(req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '')].filter(
            ([name]) => name !== '_format' && name !== '_pretty',
          ),
          body: req.body,
          headers: { prefer: req.get('prefer') },
        };
        const response = await hubDispatch(fhirRequest, hub);
        for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
        sendResource(res, response.status, response.resource, response.json);
      } catch (err) {
        next(err);
      }
    },
  );
  app.use((req, _res, next) => next(notFound(`Nothing at ${req.path}; the FHIR endpoint is /fhir`)));
  app.use(errorHandler(logger));
  return app;
}
