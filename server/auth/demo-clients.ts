/**
 * The demo's registered clients and sign-in user (demo config only; documented in README.md, "Authorization").
 * Secrets here are public on purpose: demo clients are marked `demo`, and only demo clients may use a secret.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { JWK } from 'jose';
import type { AuthClientConfig, AuthConfig } from './auth-config.ts';

/** Demo clients that authenticate with a secret (client_secret_basic), by name. */
export const DEMO_SECRET_CLIENTS: (AuthClientConfig & { secret: string })[] = [
  { clientId: 'demo-clinician', name: 'Demo clinician (site-internal)', role: 'internal', scope: 'user/*.rs', secret: 'demo-clinician-secret', demo: true },
  { clientId: 'demo-loader', name: 'Demo loader (site-internal ETL)', role: 'internal', scope: 'system/*.cruds', secret: 'demo-loader-secret', demo: true },
  { clientId: 'demo-admin', name: 'Demo site administrator', role: 'admin', scope: 'system/*.rs', secret: 'demo-admin-secret', demo: true },
  { clientId: 'demo-researcher', name: 'Demo researcher (aggregate-only)', role: 'aggregate', scope: 'system/*.s', secret: 'demo-researcher-secret', demo: true },
];

/** A SMART app for the standalone and EHR launch, served by whoever tries it at http://localhost:9000. */
export const DEMO_APP: AuthClientConfig = {
  clientId: 'demo-app', name: 'Demo SMART app', role: 'internal', scope: 'launch launch/patient patient/*.rs user/*.rs openid fhirUser',
  redirectUris: ['http://localhost:9000/app.html', 'http://127.0.0.1:9000/app.html'],
};

export const DEMO_USER = { username: 'clinician', password: 'clinician', name: 'Demo clinician' };

export const HUB_CLIENT_ID = 'vitrine-hub';
export const HUB_KEY_ID = 'vitrine-hub-1';

/** The hub's private key (ES384 JWK) for backend services at the sites: `<dataRoot>/hub/hub-client-key.json`, made once. */
export function demoHubClientKey(dataRoot: string): JWK {
  const file = path.resolve(dataRoot, 'hub', 'hub-client-key.json');
  if (!existsSync(file)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ ...privateKey.export({ format: 'jwk' }), kid: HUB_KEY_ID, alg: 'ES384' })}\n`, { mode: 0o600 });
  }
  return JSON.parse(readFileSync(file, 'utf8')) as JWK;
}

/** The `auth` section of each demo site: the demo clients, the demo user, and the hub's public key. */
export function demoAuthConfig(dataRoot: string, hubPort: number): Partial<AuthConfig> {
  const { d: _d, ...hubPublic } = demoHubClientKey(dataRoot);
  return {
    clients: [
      ...DEMO_SECRET_CLIENTS,
      DEMO_APP,
      {
        clientId: HUB_CLIENT_ID, name: 'The Vitrine hub', role: 'aggregate', scope: 'system/*.s', jwks: { keys: [hubPublic] },
        // The demo hub (name demo-hub) names the researcher it asks for; its keys are at /auth/jwks.
        vouchesFor: { issuer: 'urn:vitrine:demo-hub:auth', jwksUrl: `http://127.0.0.1:${hubPort}/auth/jwks` },
      },
    ],
    users: [DEMO_USER],
  };
}
