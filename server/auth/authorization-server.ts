/**
 * The built-in SMART authorization server of a site (and of the hub): signing key, clients, tokens, codes and
 * launch contexts, and the external issuer whose tokens are accepted too. Framework-free; `server/http/auth-routes.ts`
 * mounts it. https://build.fhir.org/ig/HL7/smart-app-launch/
 */
import { decodeJwt } from 'jose';
import path from 'node:path';
import type { Caller } from '../fhir/context.ts';
import { InvalidTokenError, issueAccessToken, verifyAccessToken, type IssuedToken, type TokenIdentity } from './access-tokens.ts';
import type { AuthClientConfig, AuthConfig } from './auth-config.ts';
import { AuthorizationCodes } from './authorization-codes.ts';
import type { AuthorizeDeps } from './authorize.ts';
import { ReplayCache } from './client-assertion.ts';
import { ClientRegistry } from './client-registry.ts';
import { ExternalIssuer } from './external-issuer.ts';
import { mintLaunch } from './launch-context.ts';
import { generateSigningKey, loadOrCreateSigningKey, type SigningKey } from './signing-key.ts';
import { handleTokenRequest, type TokenResponse } from './token-endpoint.ts';

export interface AuthorizationServerOptions {
  config: AuthConfig;
  /** The process's name (site or hub): the token audience when there is no public URL. */
  name: string;
  /** Public base URL of /fhir, when behind a proxy. */
  publicUrl?: string;
  /** Where the signing key file lives by default (`<dataDir>/auth/signing-key.json`); none: an in-memory key. */
  dataDir?: string;
  key?: SigningKey;
  /** For tests: the external issuer's key set instead of fetching its JWKS URL. */
  externalKeys?: ConstructorParameters<typeof ExternalIssuer>[1];
}

export class AuthorizationServer {
  readonly registry: ClientRegistry;
  readonly codes = new AuthorizationCodes();
  readonly replays = new ReplayCache();
  readonly external?: ExternalIssuer;

  constructor(
    readonly config: AuthConfig,
    readonly key: SigningKey,
    readonly identity: TokenIdentity,
    externalKeys?: AuthorizationServerOptions['externalKeys'],
  ) {
    this.registry = new ClientRegistry(config.clients);
    if (config.external) this.external = new ExternalIssuer(config.external, externalKeys);
  }

  /** Signs an access token for a caller (the token endpoint, and tests that need a caller of some kind). */
  issue(caller: Caller): Promise<IssuedToken> {
    return issueAccessToken(this.key, this.identity, caller);
  }

  /** Registers a client at run time (tests; the config's clients are registered at start). */
  registerClient(client: AuthClientConfig): void {
    this.registry.register(client);
  }

  /** The caller a bearer token stands for: ours or the external issuer's. InvalidTokenError otherwise. */
  async verify(token: string): Promise<{ caller: Caller; claims: Record<string, unknown> }> {
    let iss: string | undefined;
    try {
      iss = decodeJwt(token).iss;
    } catch {
      throw new InvalidTokenError('The access token is not a JWT');
    }
    if (this.external && iss === this.external.config.issuer) return this.external.verify(token);
    return verifyAccessToken(token, this.key, this.identity, this.registry);
  }

  tokenRequest(form: URLSearchParams, authorization: string | undefined, tokenUrls: string[]): Promise<{ body: TokenResponse; caller: Caller }> {
    return handleTokenRequest(form, authorization, tokenUrls, this);
  }

  /** RFC 7662: what a token is, or `{ active: false }`. https://www.rfc-editor.org/rfc/rfc7662#section-2.2 */
  async introspect(token: string): Promise<Record<string, unknown>> {
    try {
      const { caller, claims } = await this.verify(token);
      return {
        active: true, scope: caller.scopes.join(' '), client_id: caller.clientId, sub: claims.sub, exp: claims.exp, iat: claims.iat,
        iss: claims.iss, aud: claims.aud, token_type: 'Bearer', role: caller.role, ...(caller.patient ? { patient: caller.patient } : {}),
      };
    } catch (err) {
      if (err instanceof InvalidTokenError) return { active: false };
      throw err;
    }
  }

  /** A `launch` value for an EHR launch with this patient. */
  mintLaunch(patient: string): Promise<string> {
    return mintLaunch(this.key, this.identity.issuer, { patient });
  }

  authorizeDeps(audiences: string[]): AuthorizeDeps {
    return { registry: this.registry, codes: this.codes, users: this.config.users, key: this.key, issuer: this.identity.issuer, audiences };
  }
}

/** The identity (issuer, audience) a process's tokens carry: stable across restarts and host names. */
export function tokenIdentity(options: Pick<AuthorizationServerOptions, 'config' | 'name' | 'publicUrl'>): TokenIdentity {
  const origin = options.publicUrl ? new URL(options.publicUrl).origin : undefined;
  return {
    issuer: options.config.issuer ?? (origin ? `${origin}/auth` : `urn:vitrine:${options.name}:auth`),
    audience: options.publicUrl ?? `urn:vitrine:${options.name}`,
    lifetimeSeconds: options.config.accessTokenSeconds,
  };
}

/** The signing key file of a config: configured, or `<dataDir>/auth/signing-key.json`. */
export function signingKeyFile(config: AuthConfig, dataDir: string): string {
  return path.resolve(config.signingKeyFile ?? path.join(dataDir, 'auth', 'signing-key.json'));
}

/** Builds the authorization server: loads (or makes) its key and registers the configured clients. */
export async function createAuthorizationServer(options: AuthorizationServerOptions): Promise<AuthorizationServer> {
  const key = options.key ?? (options.dataDir || options.config.signingKeyFile
    ? await loadOrCreateSigningKey(signingKeyFile(options.config, options.dataDir ?? '.'))
    : await generateSigningKey());
  return new AuthorizationServer(options.config, key, tokenIdentity(options), options.externalKeys);
}
