/**
 * /auth/authorize of the SMART App Launch, framework-free: checks an authorization request, then (after the demo
 * sign-in and, for a standalone launch, the patient picker) issues a code. Registered redirect URIs only,
 * `state` required, PKCE S256 only. https://build.fhir.org/ig/HL7/smart-app-launch/app-launch.html
 */
import type { AuthClientConfig, AuthUserConfig } from './auth-config.ts';
import type { AuthorizationCodes } from './authorization-codes.ts';
import type { ClientRegistry } from './client-registry.ts';
import { readLaunch } from './launch-context.ts';
import { OAuthError } from './oauth-error.ts';
import { grantScopes } from './scope-grant.ts';
import type { SigningKey } from './signing-key.ts';

/** The parameters an app sends, kept through the sign-in form as hidden fields. */
export const AUTHORIZE_PARAMS = ['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'aud', 'code_challenge', 'code_challenge_method', 'launch'] as const;

export interface CheckedAuthorization {
  client: AuthClientConfig;
  redirectUri: string;
  state: string;
  scopes: string[];
  codeChallenge: string;
  /** From an EHR launch's `launch` parameter. */
  launchPatient?: string;
  /** A standalone launch that asked for `launch/patient`: the user picks the patient. */
  needsPatientPicker: boolean;
}

export interface AuthorizeDeps {
  registry: ClientRegistry;
  codes: AuthorizationCodes;
  users: AuthUserConfig[];
  key: SigningKey;
  issuer: string;
  /** The FHIR base URLs `aud` may name. */
  audiences: string[];
}

/** Thrown before the redirect URI is trusted: shown to the user, never redirected to. */
export class UntrustedRedirectError extends Error {}

/** Checks the request; UntrustedRedirectError when the client or redirect URI is wrong, OAuthError (to redirect) otherwise. */
export async function checkAuthorization(params: URLSearchParams, deps: AuthorizeDeps): Promise<CheckedAuthorization> {
  const client = deps.registry.get(params.get('client_id') ?? '');
  if (!client) throw new UntrustedRedirectError(`Unknown client ${params.get('client_id') ?? '(none)'}`);
  const redirectUri = params.get('redirect_uri') ?? '';
  if (!(client.redirectUris ?? []).includes(redirectUri)) throw new UntrustedRedirectError(`redirect_uri ${redirectUri || '(none)'} is not registered for ${client.clientId}`);
  const state = params.get('state');
  if (!state) throw new OAuthError('invalid_request', 'state is required');
  if (params.get('response_type') !== 'code') throw new OAuthError('unsupported_response_type', 'response_type must be code');
  if (params.get('code_challenge_method') !== 'S256') throw new OAuthError('invalid_request', 'code_challenge_method must be S256');
  const codeChallenge = params.get('code_challenge') ?? '';
  if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) throw new OAuthError('invalid_request', 'code_challenge must be a base64url SHA-256 digest');
  const aud = params.get('aud');
  if (!aud || !deps.audiences.includes(aud.replace(/\/$/, ''))) throw new OAuthError('invalid_request', `aud must be this server's FHIR base URL (${deps.audiences[0]})`);
  const launch = params.get('launch');
  const launchPatient = launch ? (await readLaunch(deps.key, deps.issuer, launch)).patient : undefined;
  const scopes = grantScopes(client, params.get('scope') ?? undefined, ['patient', 'user']);
  const wantsPatient = scopes.includes('launch/patient') || scopes.some((s) => s.startsWith('patient/'));
  if (scopes.some((s) => s.startsWith('patient/')) && !launchPatient && !scopes.includes('launch/patient') && !scopes.includes('launch')) {
    throw new OAuthError('invalid_scope', 'patient/ scopes need a patient context: ask for launch/patient (standalone) or pass launch (EHR)');
  }
  return { client, redirectUri, state, scopes, codeChallenge, launchPatient, needsPatientPicker: wantsPatient && !launchPatient };
}

/** After sign-in: the code for the app, or access_denied. */
export function approveAuthorization(checked: CheckedAuthorization, form: URLSearchParams, deps: AuthorizeDeps, patientExists: boolean): string {
  const user = deps.users.find((u) => u.username === form.get('username'));
  if (!user || user.password !== form.get('password')) throw new OAuthError('access_denied', 'Wrong user name or password');
  const patient = checked.launchPatient ?? (checked.needsPatientPicker ? form.get('patient') ?? undefined : undefined);
  if (checked.needsPatientPicker && (!patient || !patientExists)) throw new OAuthError('invalid_request', 'Pick a patient');
  return deps.codes.issue({
    clientId: checked.client.clientId,
    redirectUri: checked.redirectUri,
    scopes: checked.scopes,
    patient,
    username: user.username,
    codeChallenge: checked.codeChallenge,
  });
}

/** The redirect back to the app: `code` and `state`, or `error`, `error_description` and `state`. */
export function redirectToApp(redirectUri: string, values: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(values)) if (value !== undefined) url.searchParams.set(name, value);
  return url.toString();
}
