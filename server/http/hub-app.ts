/** The hub's Express app: the same adapter pieces as a site's, over the hub's route table. Never listens itself. */
import express from 'express';
import type { Logger } from 'pino';
import type { AuthorizationServer } from '../auth/authorization-server.ts';
import type { Caller, FhirRequest } from '../fhir/context.ts';
import { badRequest, notFound } from '../fhir/outcomes.ts';
import type { HubContext } from '../federation/hub-context.ts';
import { hubDispatch } from '../federation/hub-dispatch.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import { matchHubRoute } from '../federation/hub-routes.ts';
import { auditRequests, noteFailureForAudit, type ClassifyRequest } from './audit-log.ts';
import { mountAuthRoutes, mountDiscoveryRoutes } from './auth-routes.ts';
import { requireBearerToken } from './bearer-auth.ts';
import { negotiateResponseType, requireJsonBody } from './content-negotiation.ts';
import { queryPairs } from './fhir-endpoint.ts';
import { errorHandler } from './error-handler.ts';
import { requestId } from './request-id.ts';
import { requestLog } from './request-log.ts';
import { readBody } from './request-body.ts';
import { runSteps } from './request-steps.ts';
import { securityHeaders } from './security-headers.ts';
import { sendResource } from './send.ts';

export type HubState = Omit<HubContext, 'baseUrl' | 'requestId' | 'caller'> & {
  /** The hub's authorization server: researchers and AI clients get their tokens here, as at a site. */
  auth: AuthorizationServer;
  /** The hub's own audit trail: every request it served, refused ones included. */
  audit?: AuditTrail;
};

/** The caller states why it asks (a v3 PurposeOfUse code); healthcare research when it does not say. */
const PURPOSE_HEADER = 'x-vitrine-purpose-of-use';
function purposeOf(header: string | undefined): string {
  if (header === undefined) return 'HRESCH';
  if (!/^[A-Z]{2,16}$/.test(header)) throw badRequest('X-Vitrine-Purpose-Of-Use must be a v3 PurposeOfUse code such as HRESCH or PUBHLTH');
  return header;
}

/** Hub requests by the hub's route table: counts are searches, everything with `$` an operation. */
const classifyHubRequest: ClassifyRequest = (method, fhirPath) => {
  try {
    const { route, params } = matchHubRoute(method, fhirPath);
    const last = route.path[route.path.length - 1];
    return { interaction: last === 'metadata' ? 'capabilities' : last.startsWith('$') ? 'operation' : route.path[0] === '_async' ? 'read' : 'search-type', ...params };
  } catch {
    return { interaction: 'refused' };
  }
};

export function createHubApp(state: HubState, logger: Logger, publicUrl?: string): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(runSteps(requestId, requestLog(logger), securityHeaders(), ...(state.audit ? [auditRequests(state.audit, classifyHubRequest)] : [])));
  mountDiscoveryRoutes(app, { auth: state.auth, publicUrl });
  mountAuthRoutes(app, { auth: state.auth, publicUrl, serverName: 'Vitrine hub' });

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok', sites: state.sites.map((s) => ({ name: s.name, circuit: s.breaker.state })) }));
  app.get('/metrics', (_req, res) => {
    res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    res.end(state.metrics.render(new Map(state.sites.map((s) => [s.name, s.breaker.state]))));
  });

  // The caller's identity as the hub vouches for it: a short-lived token the hub signs, reused while valid.
  const identities = new Map<string, { token: string; expiresAt: number }>();
  const signedIdentity = async (caller: Caller): Promise<string> => {
    const key = `${caller.clientId} ${caller.purposeOfUse}`;
    const cached = identities.get(key);
    if (cached && cached.expiresAt > Date.now() + 30_000) return cached.token;
    const issued = await state.auth.issue(caller);
    identities.set(key, { token: issued.accessToken, expiresAt: Date.now() + issued.expiresIn * 1000 });
    return issued.accessToken;
  };

  app.use(
    '/fhir',
    runSteps(
      requireBearerToken((token) => state.auth.verify(token), 'vitrine-hub'),
      negotiateResponseType,
      requireJsonBody,
      readBody(express.json({ type: ['application/json', 'application/fhir+json'], limit: '1mb', strict: true })),
      async (req, res) => {
        const hub: HubContext = {
          ...state,
          baseUrl: publicUrl ?? `${req.protocol}://${req.get('host')}/fhir`,
          requestId: res.locals.requestId,
          caller: res.locals.caller as Caller,
          onBehalfOf: await signedIdentity({ ...(res.locals.caller as Caller), purposeOfUse: purposeOf(req.get(PURPOSE_HEADER)) }),
        };
        const fhirRequest: FhirRequest = {
          method: (req.method === 'HEAD' ? 'GET' : req.method) as FhirRequest['method'],
          path: req.path.replace(/^\/+/, '').replace(/\/+$/, ''),
          params: queryPairs(req.originalUrl),
          body: req.body,
          headers: { prefer: req.get('prefer') },
        };
        const response = await hubDispatch(fhirRequest, hub);
        for (const [name, value] of Object.entries(response.headers ?? {})) res.setHeader(name, value);
        sendResource(res, response.status, response.resource, response.json);
      },
    ),
  );
  app.use((req, _res, next) => next(notFound(`Nothing at ${req.path}; the FHIR endpoint is /fhir`)));
  app.use(noteFailureForAudit);
  app.use(errorHandler(logger));
  return app;
}
