/** The `auth` section of a site's (and the hub's) config; schema in profiles/site-config.schema.json. */
import type { JWK } from 'jose';
import type { Caller } from '../fhir/context.ts';

export type CallerRole = Caller['role'];

/** A registered client of the built-in authorization server. */
export interface AuthClientConfig {
  clientId: string;
  name?: string;
  role: CallerRole;
  /** The most this client may be granted (space-separated SMART scopes). */
  scope: string;
  /** Public keys for `private_key_jwt` (SMART backend services). */
  jwks?: { keys: JWK[] };
  jwksUrl?: string;
  /** `client_secret_basic`: only for clients marked `demo`. */
  secret?: string;
  demo?: boolean;
  /** Registered redirect URIs of an app using the authorization code flow; exact match only. */
  redirectUris?: string[];
  /** A federation hub, whose signed X-Vitrine-On-Behalf-Of names the researcher it asks for. */
  vouchesFor?: { issuer: string; jwksUrl?: string; jwks?: { keys: JWK[] } };
}

export interface AuthUserConfig {
  username: string;
  password: string;
  name?: string;
}

/** An external authorization server whose tokens the site verifies instead of (or besides) its own. */
export interface ExternalIssuerConfig {
  issuer: string;
  jwksUrl: string;
  /** Expected `aud` of its tokens; unchecked when absent. */
  audience?: string;
  authorizeUrl?: string;
  tokenUrl?: string;
  /** Role per client id (`client_id` or `azp` claim); `internal` when not listed. */
  roles?: Record<string, CallerRole>;
}

export interface AuthConfig {
  issuer?: string;
  signingKeyFile?: string;
  accessTokenSeconds: number;
  clients: AuthClientConfig[];
  users: AuthUserConfig[];
  external?: ExternalIssuerConfig;
}
