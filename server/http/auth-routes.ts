/**
 * The authorization server's HTTP face, for a site or the hub: SMART discovery, the token, introspection and
 * JWKS endpoints, and the authorize page of the App Launch. OAuth endpoints answer OAuth errors
 * (`{ error, error_description }`), as OAuth clients expect.
 * https://build.fhir.org/ig/HL7/smart-app-launch/conformance.html
 */
import express, { type Request, type Response } from 'express';
import { UntrustedRedirectError, approveAuthorization, checkAuthorization, redirectToApp, type CheckedAuthorization } from '../auth/authorize.ts';
import { authorizePage, type PatientChoice } from '../auth/authorize-page.ts';
import type { AuthorizationServer } from '../auth/authorization-server.ts';
import { smartConfiguration } from '../auth/discovery.ts';
import { OAuthError } from '../auth/oauth-error.ts';
import type { Caller } from '../fhir/context.ts';

export interface AuthRoutesOptions {
  auth: AuthorizationServer;
  /** Public base URL of /fhir when behind a proxy. */
  publicUrl?: string;
  /** The name shown on the sign-in page. */
  serverName: string;
  /** Patients offered by the standalone launch's picker, and whether an id is one of them. */
  patients?: { list(): Promise<PatientChoice[]>; exists(id: string): Promise<boolean> };
}

const form = express.text({ type: 'application/x-www-form-urlencoded', limit: '64kb' });

/** The scheme://host[:port] clients reach this server at. */
export function originOf(req: Request, publicUrl?: string): string {
  return publicUrl ? new URL(publicUrl).origin : `${req.protocol}://${req.get('host')}`;
}

/** Mounts SMART discovery on an app (the site's, and the hub's): before /fhir, which would ask for a token. */
export function mountDiscoveryRoutes(app: express.Express, options: Pick<AuthRoutesOptions, 'auth' | 'publicUrl'>): void {
  const { auth } = options;
  const discovery = (req: Request, res: Response) => {
    // JSON whatever Accept says: SMART clients send all kinds.
    res.setHeader('Cache-Control', 'no-cache');
    res.type('application/json').send(JSON.stringify(smartConfiguration(originOf(req, options.publicUrl), auth.identity.issuer, auth.config.external)));
  };
  app.get('/.well-known/smart-configuration', discovery);
  app.get('/fhir/.well-known/smart-configuration', discovery);
}

/** Mounts the authorization server's routes under /auth on an app (after /fhir: FHIR requests need not pass them). */
export function mountAuthRoutes(app: express.Express, options: AuthRoutesOptions): void {
  const { auth } = options;
  app.get('/auth/jwks', (_req, res) => void res.type('application/json').send(JSON.stringify({ keys: [auth.key.publicJwk] })));

  app.post('/auth/token', form, async (req, res) => {
    noStore(res);
    try {
      if (!req.is('application/x-www-form-urlencoded')) throw new OAuthError('invalid_request', 'The body must be application/x-www-form-urlencoded');
      const origin = originOf(req, options.publicUrl);
      const { body, caller } = await auth.tokenRequest(formOf(req), req.get('authorization'), [`${origin}/auth/token`]);
      res.locals.auditCaller = caller satisfies Caller;
      res.json(body);
    } catch (err) {
      sendOAuthError(res, err);
    }
  });

  app.post('/auth/introspect', form, async (req, res) => {
    noStore(res);
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    const asker = bearer ? await auth.introspect(bearer) : { active: false };
    if (!asker.active) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="auth"');
      return void sendOAuthError(res, new OAuthError('invalid_client', 'Introspection needs a valid access token of the caller in Authorization: Bearer'));
    }
    const token = formOf(req).get('token');
    if (!token) return void sendOAuthError(res, new OAuthError('invalid_request', 'token is required'));
    res.json(await auth.introspect(token));
  });

  const audiences = (req: Request) => [options.publicUrl ?? `${originOf(req)}/fhir`];
  app.get('/auth/authorize', async (req, res) => {
    const params = new URL(req.originalUrl, 'http://x').searchParams;
    await answerAuthorize(res, params, audiences(req), options, async (checked) => showPage(res, params, checked, options));
  });
  app.post('/auth/authorize', form, async (req, res) => {
    const params = formOf(req);
    await answerAuthorize(res, params, audiences(req), options, async (checked) => {
      try {
        const exists = checked.needsPatientPicker ? ((await options.patients?.exists(params.get('patient') ?? '')) ?? false) : true;
        const code = approveAuthorization(checked, params, auth.authorizeDeps(audiences(req)), exists);
        res.redirect(302, redirectToApp(checked.redirectUri, { code, state: checked.state }));
      } catch (err) {
        // A wrong password or no patient picked: ask again rather than send the user back to the app.
        if (err instanceof OAuthError && (err.error === 'access_denied' || err.error === 'invalid_request')) return showPage(res, params, checked, options, err.description);
        throw err;
      }
    });
  });
}

async function answerAuthorize(
  res: Response,
  params: URLSearchParams,
  audiences: string[],
  options: AuthRoutesOptions,
  next: (checked: CheckedAuthorization) => Promise<void>,
): Promise<void> {
  let checked: CheckedAuthorization;
  try {
    checked = await checkAuthorization(params, options.auth.authorizeDeps(audiences));
  } catch (err) {
    if (err instanceof UntrustedRedirectError) return void res.status(400).type('text/plain').send(`Authorization request refused: ${err.message}`);
    if (err instanceof OAuthError) {
      const target = redirectToApp(params.get('redirect_uri')!, { error: err.error, error_description: err.description, state: params.get('state') ?? undefined });
      return void res.redirect(302, target);
    }
    throw err;
  }
  await next(checked);
}

async function showPage(res: Response, params: URLSearchParams, checked: CheckedAuthorization, options: AuthRoutesOptions, message?: string): Promise<void> {
  const patients = checked.needsPatientPicker ? ((await options.patients?.list()) ?? []) : undefined;
  // The form posts here, and the answer redirects to the app: form-action must allow both.
  res.setHeader('Content-Security-Policy', `default-src 'none'; form-action 'self' ${new URL(checked.redirectUri).origin}; frame-ancestors 'none'`);
  noStore(res);
  res.status(message ? 400 : 200).type('text/html').send(authorizePage({ params, clientName: checked.client.name ?? checked.client.clientId, scopes: checked.scopes, patients, message, siteName: options.serverName }));
}

/** The form body; empty when the request sent none (or sent another type). */
function formOf(req: Request): URLSearchParams {
  return new URLSearchParams(typeof req.body === 'string' ? req.body : '');
}

function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Pragma', 'no-cache');
}

function sendOAuthError(res: Response, err: unknown): void {
  const error = err instanceof OAuthError ? err : new OAuthError('server_error', 'The authorization server failed', 500);
  res.locals.auditReason = error.message;
  if (error.status === 401 && !res.getHeader('WWW-Authenticate')) res.setHeader('WWW-Authenticate', 'Basic realm="auth"');
  res.status(error.status).json(error.toJSON());
}
