/**
 * The researcher behind a federation hub reaches each site's audit trail: a hub vouches for its caller with a
 * signed X-Vitrine-On-Behalf-Of, which a site accepts only from a client registered to vouch, and only when the
 * signature verifies.
 */
import assert from 'node:assert/strict';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import supertest from 'supertest';
import { createTestSite, type TestSite } from './support/test-site.ts';

const HUB_ISSUER = 'urn:vitrine:test-hub:auth';

describe('sites: a hub speaking for a researcher (X-Vitrine-On-Behalf-Of)', () => {
  let site: TestSite;
  let sign: (clientId: string) => Promise<string>;
  let forge: (clientId: string) => Promise<string>;

  before(async () => {
    const hubKey = await generateKeyPair('ES384');
    const otherKey = await generateKeyPair('ES384');
    const signWith = (key: CryptoKey) => (clientId: string) =>
      new SignJWT({ client_id: clientId }).setProtectedHeader({ alg: 'ES384' }).setIssuer(HUB_ISSUER).setIssuedAt().setExpirationTime('5m').sign(key);
    sign = signWith(hubKey.privateKey as CryptoKey);
    forge = signWith(otherKey.privateKey as CryptoKey);
    const hubPublic = { ...(await exportJWK(hubKey.publicKey)), alg: 'ES384' };
    site = await createTestSite({
      auth: { clients: [{ clientId: 'hub', role: 'aggregate', scope: 'system/*.s', vouchesFor: { issuer: HUB_ISSUER, jwks: { keys: [hubPublic] } } }] },
    });
  });
  after(() => site.close());

  /** Requests as the registered hub client (its registration, with vouchesFor, kept as configured). */
  const asHub = async () => {
    const token = (await site.auth.issue({ clientId: 'hub', role: 'aggregate', scopes: ['system/*.s'] })).accessToken;
    return supertest.agent(site.app).set('Authorization', `Bearer ${token}`);
  };

  it('records the vouched researcher as the requestor in the AuditEvent', async () => {
    const hub = await asHub();
    await hub.get('/fhir/metadata').set('X-Vitrine-On-Behalf-Of', await sign('researcher-7')).expect(200);
    await site.audit.flush();
    const admin = await site.as({ role: 'admin', scopes: 'system/*.rs' });
    const events = await admin.get('/fhir/AuditEvent?_count=200').expect(200);
    const text = JSON.stringify(events.body);
    assert.match(text, /researcher-7/);
    assert.match(text, /via hub/);
  });

  it('refuses the header from a client not registered to vouch, and a forged signature', async () => {
    const hub = await asHub();
    const forged = await hub.get('/fhir/metadata').set('X-Vitrine-On-Behalf-Of', await forge('researcher-7'));
    assert.equal(forged.status, 403);
    assert.match(JSON.stringify(forged.body), /on-behalf-of/);
    const other = await site.as({ role: 'aggregate', scopes: 'system/*.s' });
    const impostor = await other.get('/fhir/metadata').set('X-Vitrine-On-Behalf-Of', await sign('researcher-7'));
    assert.equal(impostor.status, 403);
  });
});
