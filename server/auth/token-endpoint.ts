/**
 * POST /auth/token, framework-free: `client_credentials` (SMART backend services, `private_key_jwt`; or
 * `client_secret_basic` for demo clients) and `authorization_code` with PKCE (SMART App Launch).
 * https://build.fhir.org/ig/HL7/smart-app-launch/backend-services.html#obtaining-an-access-token
 */
import type { Caller } from '../fhir/context.ts';
import type { IssuedToken } from './access-tokens.ts';
import type { AuthClientConfig } from './auth-config.ts';
import type { AuthorizationCodes } from './authorization-codes.ts';
import { JWT_BEARER_ASSERTION, verifyClientAssertion, type ReplayCache } from './client-assertion.ts';
import type { ClientRegistry } from './client-registry.ts';
import { OAuthError } from './oauth-error.ts';
import { grantScopes } from './scope-grant.ts';

export interface TokenEndpointDeps {
  registry: ClientRegistry;
  replays: ReplayCache;
  codes: AuthorizationCodes;
  issue(caller: Caller): Promise<IssuedToken>;
}

/** The RFC 6749 token response. */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  patient?: string;
}

/** Answers a token request; `tokenUrls` are the URLs a client assertion's `aud` may name. */
export async function handleTokenRequest(
  form: URLSearchParams,
  authorization: string | undefined,
  tokenUrls: string[],
  deps: TokenEndpointDeps,
): Promise<{ body: TokenResponse; caller: Caller }> {
  const grantType = form.get('grant_type');
  const client = await authenticateClient(form, authorization, tokenUrls, deps);
  let caller: Caller;
  if (grantType === 'client_credentials') {
    if (!client) throw new OAuthError('invalid_client', 'client_credentials needs client authentication (private_key_jwt, or client_secret_basic for demo clients)');
    caller = { clientId: client.clientId, role: client.role, scopes: grantScopes(client, form.get('scope') ?? undefined, ['system', 'user']) };
  } else if (grantType === 'authorization_code') {
    const clientId = client?.clientId ?? form.get('client_id');
    if (!clientId) throw new OAuthError('invalid_request', 'client_id is required');
    const registered = deps.registry.require(clientId);
    const grant = deps.codes.redeem(form.get('code') ?? '', clientId, form.get('redirect_uri') ?? undefined, form.get('code_verifier') ?? undefined);
    caller = { clientId, role: registered.role, scopes: grant.scopes, patient: grant.patient };
  } else {
    throw new OAuthError('unsupported_grant_type', `grant_type must be client_credentials or authorization_code, not ${grantType ?? '(none)'}`);
  }
  const issued = await deps.issue(caller);
  const response: TokenResponse = { access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, scope: issued.scope };
  if (issued.patient) response.patient = issued.patient;
  return { body: response, caller };
}

/** The client a request authenticates as, or undefined for a public client (authorization_code with PKCE). */
async function authenticateClient(
  form: URLSearchParams,
  authorization: string | undefined,
  tokenUrls: string[],
  deps: TokenEndpointDeps,
): Promise<AuthClientConfig | undefined> {
  const assertion = form.get('client_assertion');
  if (assertion !== null) {
    if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION) {
      throw new OAuthError('invalid_client', `client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
    }
    return verifyClientAssertion(assertion, tokenUrls, deps.registry, deps.replays);
  }
  if (authorization?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new OAuthError('invalid_client', 'Malformed Basic credentials');
    const id = decodeURIComponent(decoded.slice(0, colon));
    return deps.registry.checkSecret(id, decodeURIComponent(decoded.slice(colon + 1)));
  }
  if (form.get('client_secret') !== null) throw new OAuthError('invalid_client', 'client_secret_post is not supported; use client_secret_basic');
  return undefined;
}
