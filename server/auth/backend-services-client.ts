/**
 * The client side of SMART backend services, for the hub (and any service) calling a site: signs a client
 * assertion with its private key, fetches an access token, and reuses it until shortly before it expires.
 * https://build.fhir.org/ig/HL7/smart-app-launch/backend-services.html
 */
import { importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { JWT_BEARER_ASSERTION } from './client-assertion.ts';

export interface BackendServicesClientOptions {
  /** The site's token endpoint; see `discoverTokenUrl`. */
  tokenUrl: string;
  clientId: string;
  /** The private key (a JWK with `d`, or an imported key) whose public half the site registered. */
  privateKey: JWK | CryptoKey;
  kid: string;
  alg?: 'ES384' | 'RS384';
  scope: string;
  fetch?: typeof fetch;
}

/** Renew this long before the token expires, so no request goes out with a token about to lapse. */
const RENEW_MARGIN_MS = 30_000;

export class BackendServicesClient {
  private cached?: { token: string; expiresAt: number };
  private pending?: Promise<string>;

  constructor(private readonly options: BackendServicesClientOptions) {}

  /** A valid access token, fetched when there is none or it is about to expire. */
  async accessToken(): Promise<string> {
    if (this.cached && this.cached.expiresAt - RENEW_MARGIN_MS > Date.now()) return this.cached.token;
    this.pending ??= this.fetchToken().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forgets the cached token (after a 401, say). */
  invalidate(): void {
    this.cached = undefined;
  }

  /** A client assertion for the token endpoint: `iss` = `sub` = client id, `aud` = token URL, five minutes, fresh `jti`. */
  async signAssertion(): Promise<string> {
    const alg = this.options.alg ?? 'ES384';
    const key = 'kty' in this.options.privateKey ? await importJWK(this.options.privateKey as JWK, alg) : this.options.privateKey;
    return new SignJWT({})
      .setProtectedHeader({ alg, kid: this.options.kid, typ: 'JWT' })
      .setIssuer(this.options.clientId)
      .setSubject(this.options.clientId)
      .setAudience(this.options.tokenUrl)
      .setExpirationTime('5m')
      .setJti(randomUUID())
      .sign(key);
  }

  private async fetchToken(): Promise<string> {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.options.scope,
      client_assertion_type: JWT_BEARER_ASSERTION,
      client_assertion: await this.signAssertion(),
    });
    const res = await (this.options.fetch ?? fetch)(this.options.tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    const answer = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string; error_description?: string };
    if (!res.ok || !answer.access_token) {
      throw new Error(`Token request to ${this.options.tokenUrl} failed: ${res.status} ${answer.error ?? ''} ${answer.error_description ?? ''}`.trim());
    }
    this.cached = { token: answer.access_token, expiresAt: Date.now() + (answer.expires_in ?? 300) * 1000 };
    return answer.access_token;
  }
}

/** The token endpoint of a FHIR server, from its SMART configuration. */
export async function discoverTokenUrl(fhirBase: string, fetchImpl: typeof fetch = fetch): Promise<string> {
  const res = await fetchImpl(`${fhirBase.replace(/\/$/, '')}/.well-known/smart-configuration`, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`No SMART configuration at ${fhirBase}: ${res.status}`);
  const config = (await res.json()) as { token_endpoint?: string };
  if (!config.token_endpoint) throw new Error(`The SMART configuration of ${fhirBase} names no token_endpoint`);
  return config.token_endpoint;
}
