/**
 * `/.well-known/smart-configuration`: what the authorization server supports, with absolute URLs.
 * https://build.fhir.org/ig/HL7/smart-app-launch/conformance.html#using-well-known
 */
import type { ExternalIssuerConfig } from './auth-config.ts';
import { ASSERTION_ALGORITHMS } from './client-assertion.ts';

export const SCOPES_SUPPORTED = [
  'openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access',
  'patient/*.rs', 'patient/*.cruds', 'user/*.rs', 'user/*.cruds', 'system/*.rs', 'system/*.s', 'system/*.cruds',
  'patient/*.read', 'user/*.read', 'system/*.read', 'patient/*.*', 'user/*.*', 'system/*.*',
];

/** The SMART configuration document; `origin` is this server's scheme://host[:port]. */
export function smartConfiguration(origin: string, issuer: string, external?: ExternalIssuerConfig): Record<string, unknown> {
  const builtIn = {
    issuer,
    jwks_uri: `${origin}/auth/jwks`,
    authorization_endpoint: `${origin}/auth/authorize`,
    token_endpoint: `${origin}/auth/token`,
    introspection_endpoint: `${origin}/auth/introspect`,
  };
  // With an external issuer that has its own endpoints, apps go there; this site only verifies its tokens.
  const endpoints = external?.authorizeUrl && external.tokenUrl
    ? { issuer: external.issuer, jwks_uri: external.jwksUrl, authorization_endpoint: external.authorizeUrl, token_endpoint: external.tokenUrl }
    : builtIn;
  return {
    ...endpoints,
    grant_types_supported: ['authorization_code', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic'],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGORITHMS,
    scopes_supported: SCOPES_SUPPORTED,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    capabilities: [
      'launch-ehr', 'launch-standalone', 'client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric',
      'context-ehr-patient', 'context-standalone-patient', 'permission-patient', 'permission-user', 'permission-v1', 'permission-v2',
    ],
  };
}
