/**
 * An external authorization server (the hospital's EHR or identity provider): its tokens, checked against its
 * JWKS, are accepted without this site's token endpoint; discovery points apps to it.
 */
import assert from 'node:assert/strict';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

const ISSUER = 'https://ehr.example/oauth';

describe('auth: external issuer', () => {
  let site: TestSite;
  let ehrKey: CryptoKey;
  before(async () => {
    const pair = await generateKeyPair('RS256');
    ehrKey = pair.privateKey;
    const jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'ehr-1', alg: 'RS256' }] };
    site = await createTestSite({
      auth: { external: { issuer: ISSUER, jwksUrl: 'https://ehr.example/jwks', audience: 'https://site.example/fhir', authorizeUrl: 'https://ehr.example/authorize', tokenUrl: 'https://ehr.example/token', roles: { 'ehr-hub': 'aggregate' } } },
      externalKeys: createLocalJWKSet(jwks),
    });
    await site.http.put('/fhir/Patient/p1').type(FHIR_JSON).send({ resourceType: 'Patient', id: 'p1' }).expect(201);
    await site.http.put('/fhir/Patient/p2').type(FHIR_JSON).send({ resourceType: 'Patient', id: 'p2' }).expect(201);
  });
  after(() => site.close());

  const ehrToken = (claims: Record<string, unknown>, key: CryptoKey = ehrKey, aud = 'https://site.example/fhir') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'ehr-1' }).setIssuer(ISSUER).setAudience(aud).setExpirationTime('5m').sign(key);

  it('accepts an EHR launch token with its patient context and scopes', async () => {
    const token = await ehrToken({ client_id: 'ehr-app', scope: 'launch patient/*.rs', patient: 'p1' });
    await site.anonymous.get('/fhir/Patient/p1').set('Authorization', `Bearer ${token}`).expect(200);
    await site.anonymous.get('/fhir/Patient/p2').set('Authorization', `Bearer ${token}`).expect(404);
  });

  it('maps roles by client id: an aggregate client gets no rows', async () => {
    const token = await ehrToken({ client_id: 'ehr-hub', scope: 'system/*.s' });
    const res = await site.anonymous.get('/fhir/Patient').set('Authorization', `Bearer ${token}`).expect(403);
    assert.match(res.body.issue[0].diagnostics, /aggregate-only/);
  });

  it('refuses tokens with a wrong key or audience, and unknown scopes', async () => {
    const { privateKey: other } = await generateKeyPair('RS256');
    for (const token of [await ehrToken({ client_id: 'x', scope: 'user/*.rs' }, other), await ehrToken({ client_id: 'x', scope: 'user/*.rs' }, ehrKey, 'https://other.example')]) {
      await site.anonymous.get('/fhir/Patient').set('Authorization', `Bearer ${token}`).expect(401);
    }
    const odd = await ehrToken({ client_id: 'x', scope: 'user/*.rs email' });
    const res = await site.anonymous.get('/fhir/Patient').set('Authorization', `Bearer ${odd}`).expect(403);
    assert.match(res.body.issue[0].diagnostics, /email/);
  });

  it('discovery sends apps to the external endpoints', async () => {
    const config = JSON.parse((await site.anonymous.get('/.well-known/smart-configuration').expect(200)).text);
    assert.equal(config.issuer, ISSUER);
    assert.equal(config.token_endpoint, 'https://ehr.example/token');
    assert.equal(config.authorization_endpoint, 'https://ehr.example/authorize');
  });
});
