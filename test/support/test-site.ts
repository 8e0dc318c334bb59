/**
 * A site app over a fresh embedded store in a temp directory, for supertest (no port), with SMART authorization on.
 *
 * - `site.http` sends every request as the default caller: `test-internal`, a site-internal client with
 *   `system/*.cruds`, whose token the built-in authorization server issued over POST /auth/token. Use it as a
 *   plain supertest: `await site.http.get('/fhir/Patient').expect(200)`.
 * - `await site.as({ role, scopes, patient })` is an agent acting as another client (a fresh registered client
 *   with that role, a token with those scopes and patient context), e.g.
 *   `const hub = await site.as({ role: 'aggregate', scopes: 'system/*.s' })`,
 *   `const app = await site.as({ scopes: 'patient/*.rs', patient: 'p1' })`,
 *   `const admin = await site.as({ role: 'admin', scopes: 'system/*.rs' })`.
 * - `site.anonymous` sends requests without any token; `site.auth` is the AuthorizationServer, `site.audit` the
 *   audit trail (`await site.audit.flush()` before searching AuditEvents).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import supertest from 'supertest';
import type { AuthConfig } from '../../server/auth/auth-config.ts';
import { createAuthorizationServer, type AuthorizationServer, type AuthorizationServerOptions } from '../../server/auth/authorization-server.ts';
import { AuditTrail } from '../../server/audit/audit-trail.ts';
import { openAuditLog } from '../../server/audit/open-audit-store.ts';
import type { Caller } from '../../server/fhir/context.ts';
import { defaultPipeline } from '../../server/fhir/default-pipeline.ts';
import { createSiteApp, type SiteAppOptions } from '../../server/http/app.ts';
import { EmbeddedStore } from '../../server/store/embedded/embedded-store.ts';

export const TEST_LIMITS = { bodyLimit: '1mb', defaultCount: 20, maxCount: 200, maxBundleEntries: 500 };

/** The default caller's client: site-internal, full row-level access. */
export const TEST_CLIENT = { clientId: 'test-internal', secret: 'test-internal-secret', scope: 'system/*.cruds' };

export type TestAgent = ReturnType<typeof supertest.agent>;

export interface TestCaller {
  role?: Caller['role'];
  scopes: string | string[];
  patient?: string;
  /** Default: a fresh `test-client-<n>`. */
  clientId?: string;
}

export interface TestSiteOptions {
  /** Extra auth config (clients, users, external issuer); the test client is always registered. */
  auth?: Partial<AuthConfig>;
  cors?: SiteAppOptions['cors'];
  rateLimit?: SiteAppOptions['rateLimit'];
  publicUrl?: string;
  /** The disclosure policy service; without one, aggregate-only callers are refused (server/aggregate/access.ts). */
  disclosure?: SiteAppOptions['disclosure'];
  /** The external issuer's key set (instead of fetching `auth.external.jwksUrl`). */
  externalKeys?: AuthorizationServerOptions['externalKeys'];
  /** De-identification for `$ingest` (server/ingest/site-ingest.ts); without it `$ingest` answers 501. */
  ingest?: SiteAppOptions['ingest'];
  /** The data directory of an earlier test site, to start again on (a restart); close() then leaves it in place. */
  dir?: string;
}

export interface TestSite {
  app: ReturnType<typeof createSiteApp>;
  /** Requests as the default caller (TEST_CLIENT). */
  http: TestAgent;
  /** Requests with no Authorization header. */
  anonymous: ReturnType<typeof supertest>;
  store: EmbeddedStore;
  auth: AuthorizationServer;
  audit: AuditTrail;
  dir: string;
  /** An agent acting as another client. */
  as(caller: TestCaller): Promise<TestAgent>;
  /** A bearer token for a caller, issued by the site's authorization server. */
  tokenFor(caller: TestCaller): Promise<string>;
  close(): Promise<void>;
}

export async function createTestSite(options: TestSiteOptions = {}): Promise<TestSite> {
  const dir = options.dir ?? (await mkdtemp(path.join(tmpdir(), 'vitrine-site-')));
  const store = new EmbeddedStore({ dir });
  await store.open();
  const auditStore = await openAuditLog(path.join(dir, 'audit'));
  const audit = new AuditTrail(auditStore, 'test-site');
  const authConfig: AuthConfig = {
    accessTokenSeconds: 3600,
    users: [],
    ...options.auth,
    clients: [{ ...TEST_CLIENT, role: 'internal', demo: true }, ...(options.auth?.clients ?? [])],
  };
  const auth = await createAuthorizationServer({ config: authConfig, name: 'test-site', publicUrl: options.publicUrl, externalKeys: options.externalKeys });
  const app = createSiteApp({
    store, pipeline: defaultPipeline, logger: pino({ level: 'silent' }), limits: TEST_LIMITS, name: 'test-site',
    auth, audit, cors: options.cors, rateLimit: options.rateLimit ?? { requestsPerMinute: 1_000_000 }, publicUrl: options.publicUrl,
    disclosure: options.disclosure, ingest: options.ingest,
  });

  const issued = await supertest(app)
    .post('/auth/token')
    .auth(TEST_CLIENT.clientId, TEST_CLIENT.secret)
    .type('form')
    .send({ grant_type: 'client_credentials', scope: TEST_CLIENT.scope });
  if (issued.status !== 200) throw new Error(`test site: the token endpoint answered ${issued.status} ${JSON.stringify(issued.body)}`);
  const agentWith = (token: string) => supertest.agent(app).set('Authorization', `Bearer ${token}`);

  let clients = 0;
  const tokenFor = async (caller: TestCaller): Promise<string> => {
    const clientId = caller.clientId ?? `test-client-${++clients}`;
    const scopes = Array.isArray(caller.scopes) ? caller.scopes : caller.scopes.split(/\s+/).filter(Boolean);
    const role = caller.role ?? 'internal';
    auth.registerClient({ clientId, role, scope: scopes.join(' ') || 'openid' });
    return (await auth.issue({ clientId, role, scopes, patient: caller.patient })).accessToken;
  };
  return {
    app,
    http: agentWith((issued.body as { access_token: string }).access_token),
    anonymous: supertest(app),
    store,
    auth,
    audit,
    dir,
    as: async (caller) => agentWith(await tokenFor(caller)),
    tokenFor,
    close: async () => {
      await audit.flush();
      await auditStore.close();
      await store.close();
      if (!options.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

export const FHIR_JSON = 'application/fhir+json';
