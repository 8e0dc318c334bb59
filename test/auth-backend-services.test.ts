/**
 * SMART backend services (https://build.fhir.org/ig/HL7/smart-app-launch/backend-services.html): a client signs an
 * assertion with its private key and gets a token; replayed jti, wrong aud, expired assertion, unknown kid refused.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { BackendServicesClient, discoverTokenUrl } from '../server/auth/backend-services-client.ts';
import { DisclosureControl } from '../server/policy/disclosure-control.ts';
import { loadPolicy } from '../server/policy/policy.ts';
import { createTestSite, type TestSite } from './support/test-site.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

describe('auth: SMART backend services (private_key_jwt)', () => {
  let site: TestSite;
  let server: Server;
  let base: string;
  let tokenUrl: string;
  let privateKey: CryptoKey;
  let privateJwk: JWK;
  let rsaKey: CryptoKey;

  before(async () => {
    ({ privateKey } = await generateKeyPair('ES384', { extractable: true }));
    privateJwk = await exportJWK(privateKey);
    const { d: _d, ...publicJwk } = privateJwk;
    const rsa = await generateKeyPair('RS384', { extractable: true });
    rsaKey = rsa.privateKey;
    const rsaPublic = await exportJWK(rsa.publicKey);
    site = await createTestSite({
      disclosure: await DisclosureControl.open(loadPolicy()),
      auth: {
        clients: [
          { clientId: 'hub', role: 'aggregate', scope: 'system/*.s', jwks: { keys: [{ ...publicJwk, kid: 'hub-1', alg: 'ES384' }, { ...rsaPublic, kid: 'hub-rsa', alg: 'RS384' }] } },
          { clientId: 'etl', role: 'internal', scope: 'system/*.cruds', jwks: { keys: [{ ...publicJwk, kid: 'etl-1' }] } },
        ],
      },
    });
    server = await new Promise((resolve) => {
      const s = site.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    tokenUrl = await discoverTokenUrl(`${base}/fhir`);
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await site.close();
  });

  async function assertion(claims: { aud?: string; exp?: number; jti?: string; kid?: string; iss?: string; alg?: 'ES384' | 'RS384'; key?: CryptoKey }): Promise<string> {
    const iss = claims.iss ?? 'hub';
    return new SignJWT({})
      .setProtectedHeader({ alg: claims.alg ?? 'ES384', kid: claims.kid ?? 'hub-1', typ: 'JWT' })
      .setIssuer(iss)
      .setSubject(iss)
      .setAudience(claims.aud ?? tokenUrl)
      .setExpirationTime(claims.exp ?? Math.floor(Date.now() / 1000) + 240)
      .setJti(claims.jti ?? randomUUID())
      .sign(claims.key ?? privateKey);
  }

  async function requestToken(clientAssertion: string, scope = 'system/*.s') {
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: ASSERTION_TYPE, client_assertion: clientAssertion }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  }

  it('discovery names the absolute token URL of this server', () => {
    assert.equal(tokenUrl, `${base}/auth/token`);
  });

  it('gives a token for a well-formed ES384 assertion, and for RS384', async () => {
    const es = await requestToken(await assertion({}));
    assert.equal(es.status, 200, JSON.stringify(es.body));
    assert.equal(es.body.token_type, 'Bearer');
    assert.equal(es.body.scope, 'system/*.s');
    assert.equal(Number(es.body.expires_in), site.auth.identity.lifetimeSeconds);
    const rs = await requestToken(await assertion({ alg: 'RS384', kid: 'hub-rsa', key: rsaKey }));
    assert.equal(rs.status, 200, JSON.stringify(rs.body));
  });

  it('the token works at the site: an internal client reads, the hub (aggregate) counts but may not read rows', async () => {
    const etl = await requestToken(await assertion({ iss: 'etl', kid: 'etl-1' }), 'system/Patient.cruds');
    assert.equal(etl.status, 200, JSON.stringify(etl.body));
    const created = await fetch(`${base}/fhir/Patient`, {
      method: 'POST', headers: { Authorization: `Bearer ${etl.body.access_token}`, 'Content-Type': 'application/fhir+json' }, body: JSON.stringify({ resourceType: 'Patient', gender: 'female' }),
    });
    assert.equal(created.status, 201);
    const hub = (await requestToken(await assertion({}))).body.access_token;
    const rows = await fetch(`${base}/fhir/Patient`, { headers: { Authorization: `Bearer ${hub}` } });
    assert.equal(rows.status, 403);
    assert.match(JSON.stringify(await rows.json()), /aggregate-only/);
    const count = await fetch(`${base}/fhir/Patient?_summary=count`, { headers: { Authorization: `Bearer ${hub}` } });
    assert.equal(count.status, 200);
  });

  it('refuses a replayed jti', async () => {
    const jti = randomUUID();
    assert.equal((await requestToken(await assertion({ jti }))).status, 200);
    const replay = await requestToken(await assertion({ jti }));
    assert.equal(replay.status, 401);
    assert.equal(replay.body.error, 'invalid_client');
    assert.match(replay.body.error_description, /used before/);
  });

  it('refuses a wrong aud', async () => {
    const res = await requestToken(await assertion({ aud: `${base}/fhir` }));
    assert.equal(res.status, 401);
    assert.match(res.body.error_description, /aud/);
  });

  it('refuses an expired assertion, and one that lives longer than five minutes', async () => {
    const expired = await requestToken(await assertion({ exp: Math.floor(Date.now() / 1000) - 120 }));
    assert.equal(expired.status, 401);
    assert.match(expired.body.error_description, /expired/);
    const tooLong = await requestToken(await assertion({ exp: Math.floor(Date.now() / 1000) + 3600 }));
    assert.equal(tooLong.status, 401);
    assert.match(tooLong.body.error_description, /300 seconds/);
  });

  it('refuses an unknown kid, an unknown client and a wrong signature', async () => {
    const kid = await requestToken(await assertion({ kid: 'nope' }));
    assert.equal(kid.status, 401);
    assert.match(kid.body.error_description, /kid nope/);
    assert.equal((await requestToken(await assertion({ iss: 'stranger' }))).status, 401);
    const { privateKey: other } = await generateKeyPair('ES384');
    const forged = await requestToken(await assertion({ key: other }));
    assert.equal(forged.status, 401);
    assert.match(forged.body.error_description, /signature/);
  });

  it('refuses scopes beyond the registration, malformed scopes, and patient/ scopes without a launch', async () => {
    for (const scope of ['system/*.cruds', 'system/Patient.rx', 'system/Unicorn.rs', 'patient/*.rs']) {
      const res = await requestToken(await assertion({}), scope);
      assert.equal(res.status, 400, scope);
      assert.equal(res.body.error, 'invalid_scope', scope);
    }
  });

  it('refuses a wrong assertion type and an unknown grant type', async () => {
    const res = await fetch(tokenUrl, {
      method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'other', client_assertion: await assertion({}) }),
    });
    assert.equal(res.status, 401);
    const grant = await fetch(tokenUrl, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=password' });
    assert.equal(grant.status, 400);
    assert.equal(((await grant.json()) as { error: string }).error, 'unsupported_grant_type');
  });

  it('BackendServicesClient (what the hub uses) fetches a token once and reuses it', async () => {
    const client = new BackendServicesClient({ tokenUrl, clientId: 'hub', privateKey: privateJwk, kid: 'hub-1', scope: 'system/*.s' });
    const first = await client.accessToken();
    assert.equal(await client.accessToken(), first);
    const res = await fetch(`${base}/fhir/Patient?_summary=count`, { headers: { Authorization: `Bearer ${first}` } });
    assert.equal(res.status, 200);
    const introspected = await fetch(`${base}/auth/introspect`, {
      method: 'POST', headers: { Authorization: `Bearer ${first}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: first }),
    });
    const info = (await introspected.json()) as Record<string, unknown>;
    assert.equal(info.active, true);
    assert.equal(info.client_id, 'hub');
    assert.equal(info.scope, 'system/*.s');
    const bogus = await fetch(`${base}/auth/introspect`, {
      method: 'POST', headers: { Authorization: `Bearer ${first}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: 'x.y.z' }),
    });
    assert.deepEqual(await bogus.json(), { active: false });
  });
});
