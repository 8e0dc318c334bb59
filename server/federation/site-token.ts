/**
 * The hub's access token at one site: SMART backend services (`client_credentials` with a `private_key_jwt`
 * assertion signed by the hub's own key), or `client_secret_basic` for demo clients. Cached until shortly before
 * it expires. https://build.fhir.org/ig/HL7/smart-app-launch/backend-services.html
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { importJWK, importPKCS8, SignJWT, type JWK } from 'jose';
import type { HubSiteConfig } from '../config/hub-config.ts';
import { ConfigError } from '../config/site-config.ts';

const EXPIRY_MARGIN_MS = 30_000;

/** The Authorization header for the next request; a token fetch may take at most `timeoutMs`. */
export type SiteAuthorizer = (timeoutMs: number) => Promise<Record<string, string>>;

/** A function giving the Authorization header for requests to `site`, fetching a token when needed. */
export function siteAuthorizer(site: HubSiteConfig, env = process.env): SiteAuthorizer {
  const auth = site.auth;
  if (auth.kind === 'none') return async () => ({});
  if (!auth.clientId) throw new ConfigError(`hub site ${site.name}: auth.clientId is required for ${auth.kind}`);
  const tokenUrl = auth.tokenUrl ?? `${new URL(site.url).origin}/auth/token`;
  const credentials = auth.kind === 'client-secret' ? secretCredentials(site, auth.clientId, env) : keyCredentials(site, auth.clientId, tokenUrl);
  let cached: { token: string; expiresAt: number } | undefined;
  let pending: Promise<{ token: string; expiresAt: number }> | undefined;
  return async (timeoutMs) => {
    if (!cached || cached.expiresAt - EXPIRY_MARGIN_MS < Date.now()) {
      pending ??= fetchToken(tokenUrl, await credentials(), timeoutMs).finally(() => (pending = undefined));
      cached = await pending;
    }
    return { Authorization: `Bearer ${cached.token}` };
  };
}

type Credentials = { headers: Record<string, string>; form: Record<string, string> };

function secretCredentials(site: HubSiteConfig, clientId: string, env: NodeJS.ProcessEnv): () => Promise<Credentials> {
  const name = site.auth.secretEnv;
  const secret = name ? env[name] : undefined;
  if (!secret) throw new ConfigError(`hub site ${site.name}: set the client secret in the environment variable named by auth.secretEnv`);
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  return async () => ({ headers: { Authorization: `Basic ${basic}` }, form: { grant_type: 'client_credentials', scope: 'system/*.s' } });
}

function keyCredentials(site: HubSiteConfig, clientId: string, tokenUrl: string): () => Promise<Credentials> {
  const file = site.auth.privateKeyFile;
  if (!file) throw new ConfigError(`hub site ${site.name}: auth.privateKeyFile is required for backend-services`);
  const text = readFileSync(file, 'utf8');
  const keyPromise = text.trim().startsWith('{')
    ? (async () => {
        const jwk = JSON.parse(text) as JWK & { alg?: string; kid?: string };
        return { key: await importJWK(jwk, jwk.alg ?? 'ES384'), alg: jwk.alg ?? 'ES384', kid: jwk.kid };
      })()
    : importPKCS8(text, 'ES384').then((key) => ({ key, alg: 'ES384', kid: undefined as string | undefined }));
  return async () => {
    const { key, alg, kid } = await keyPromise;
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg, typ: 'JWT', ...(kid ? { kid } : {}) })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(tokenUrl)
      .setJti(randomUUID())
      .setIssuedAt()
      .setExpirationTime('4m')
      .sign(key);
    return {
      headers: {},
      form: {
        grant_type: 'client_credentials',
        scope: 'system/*.s',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      },
    };
  };
}

async function fetchToken(tokenUrl: string, credentials: Credentials, timeoutMs: number): Promise<{ token: string; expiresAt: number }> {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', ...credentials.headers },
    body: new URLSearchParams(credentials.form),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await response.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
  if (!response.ok || !body.access_token) throw new Error(`token request to ${tokenUrl} failed: ${response.status} ${body.error ?? ''}`.trim());
  return { token: body.access_token, expiresAt: Date.now() + (body.expires_in ?? 300) * 1000 };
}
