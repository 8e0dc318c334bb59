/**
 * Attacks first: a `patient/` token never sees another patient's data — not by read, search, `_include`,
 * `_revinclude`, chaining, `_has`, history, batch or transaction — and nothing reaches a FHIR route without a
 * valid token. https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html
 */
import assert from 'node:assert/strict';
import { createTestSite, FHIR_JSON, type TestAgent, type TestSite } from './support/test-site.ts';

const obs = (id: string, patient: string, code: string) => ({
  resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: `Patient/${patient}` }, encounter: { reference: `Encounter/e-${patient}` },
});

/** Every resource id in a Bundle (entries, and nested transaction/batch response resources). */
function idsIn(body: { entry?: { resource?: { resourceType: string; id?: string; entry?: unknown[] } }[] }): string[] {
  const ids: string[] = [];
  for (const e of body.entry ?? []) {
    if (!e.resource) continue;
    if (e.resource.resourceType === 'Bundle') ids.push(...idsIn(e.resource as never));
    else if (e.resource.id) ids.push(`${e.resource.resourceType}/${e.resource.id}`);
  }
  return ids;
}

describe('auth: patient/ scopes confine to the patient compartment', () => {
  let site: TestSite;
  let alice: TestAgent;
  before(async () => {
    site = await createTestSite();
    for (const p of ['alice', 'bob']) {
      await site.http.put(`/fhir/Patient/${p}`).type(FHIR_JSON).send({ resourceType: 'Patient', id: p, gender: p === 'alice' ? 'female' : 'male', link: [{ other: { reference: `Patient/${p === 'alice' ? 'bob' : 'alice'}` }, type: 'seealso' }] }).expect(201);
      await site.http.put(`/fhir/Encounter/e-${p}`).type(FHIR_JSON).send({ resourceType: 'Encounter', id: `e-${p}`, status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${p}` } }).expect(201);
      await site.http.put(`/fhir/Observation/o-${p}`).type(FHIR_JSON).send(obs(`o-${p}`, p, '8867-4')).expect(201);
    }
    alice = await site.as({ scopes: 'patient/*.cruds', patient: 'alice' });
  });
  after(() => site.close());

  const leaks = (ids: string[]) => ids.filter((id) => id.includes('bob'));

  it('reads only its own patient', async () => {
    await alice.get('/fhir/Patient/alice').expect(200);
    await alice.get('/fhir/Observation/o-alice').expect(200);
    await alice.get('/fhir/Patient/bob').expect(404);
    await alice.get('/fhir/Observation/o-bob').expect(404);
    await alice.get('/fhir/Observation/o-bob/_history/1').expect(404);
    await alice.get('/fhir/Observation/o-bob/_history').expect(404);
  });

  it('searches only its own compartment, at type, system and compartment level', async () => {
    for (const path of ['/fhir/Observation', '/fhir/Patient', '/fhir/?_type=Observation,Patient,Encounter', '/fhir/Patient/bob/Observation', '/fhir/Observation?subject=Patient/bob']) {
      const res = await alice.get(path).expect(200);
      assert.deepEqual(leaks(idsIn(res.body)), [], path);
    }
    const own = await alice.get('/fhir/Observation').expect(200);
    assert.deepEqual(idsIn(own.body), ['Observation/o-alice']);
    const count = await alice.get('/fhir/Observation?_summary=count').expect(200);
    assert.equal(count.body.total, 1);
  });

  it('_include and _revinclude (with :iterate and *) bring nothing of another patient', async () => {
    for (const query of [
      'Patient?_id=alice&_include=Patient:link',
      'Patient?_include=*&_revinclude=Observation:*&_revinclude=Encounter:*',
      'Patient?_id=alice&_revinclude=Observation:subject&_include:iterate=Patient:link&_revinclude:iterate=Observation:subject',
      'Observation?_include=Observation:subject&_include:iterate=Patient:link&_revinclude:iterate=Encounter:subject',
      'Encounter?_revinclude=Observation:encounter',
    ]) {
      const res = await alice.get(`/fhir/${query}`).expect(200);
      assert.deepEqual(leaks(idsIn(res.body)), [], query);
      assert.ok(idsIn(res.body).length > 0, `${query} finds alice's own`);
    }
  });

  it('chains and _has cannot test another patient\'s data', async () => {
    // Observations of alice whose subject is male: alice is female, so none; a chain must not reach bob.
    const chain = await alice.get('/fhir/Observation?subject:Patient.gender=male').expect(200);
    assert.deepEqual(idsIn(chain.body), []);
    const linked = await alice.get('/fhir/Patient?link:Patient.gender=male').expect(200);
    assert.deepEqual(idsIn(linked.body), [], 'the linked patient (bob) is outside the compartment');
    const has = await alice.get('/fhir/Patient?_has:Observation:subject:code=8867-4').expect(200);
    assert.deepEqual(leaks(idsIn(has.body)), []);
    const total = await alice.get('/fhir/Patient?_has:Observation:subject:code=8867-4&_summary=count').expect(200);
    assert.equal(total.body.total, 1);
  });

  it('history of a type or the system is refused, not leaked', async () => {
    const res = await alice.get('/fhir/Observation/_history').expect(403);
    assert.match(res.body.issue[0].diagnostics, /patient-compartment/);
  });

  it('a batch reads nothing of another patient', async () => {
    const res = await alice.post('/fhir').type(FHIR_JSON).send({
      resourceType: 'Bundle', type: 'batch',
      entry: ['Patient/bob', 'Observation/o-bob', 'Observation?subject=Patient/bob', 'Patient/bob/Observation', 'Observation/o-alice'].map((url) => ({ request: { method: 'GET', url } })),
    }).expect(200);
    assert.deepEqual(leaks(idsIn(res.body)), []);
    assert.deepEqual(res.body.entry.map((e: { response: { status: string } }) => e.response.status.slice(0, 3)), ['404', '404', '200', '200', '200']);
  });

  it('a transaction can neither write into nor read from another patient\'s compartment', async () => {
    const writeBob = await alice.post('/fhir').type(FHIR_JSON).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: [
        { resource: obs('new-alice', 'alice', '1234-5'), request: { method: 'PUT', url: 'Observation/new-alice' } },
        { resource: obs('new-bob', 'bob', '1234-5'), request: { method: 'PUT', url: 'Observation/new-bob' } },
      ],
    });
    assert.equal(writeBob.status, 403);
    await site.http.get('/fhir/Observation/new-alice').expect(404); // all or nothing
    await site.http.get('/fhir/Observation/new-bob').expect(404);
    const moveBob = await alice.put('/fhir/Observation/o-bob').type(FHIR_JSON).send(obs('o-bob', 'alice', '8867-4'));
    assert.equal(moveBob.status, 403, 'taking over another patient\'s resource');
    const reads = await alice.post('/fhir').type(FHIR_JSON).send({
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ request: { method: 'GET', url: 'Observation?code=8867-4' } }, { request: { method: 'GET', url: 'Patient?_revinclude=Observation:subject' } }],
    }).expect(200);
    assert.deepEqual(leaks(idsIn(reads.body)), []);
    await site.http.get('/fhir/Observation/o-bob').expect(200).expect((r) => assert.equal(r.body.subject.reference, 'Patient/bob'));
  });

  it('writes inside its own compartment work', async () => {
    await alice.post('/fhir/Observation').type(FHIR_JSON).send({ ...obs('x', 'alice', '1234-5'), id: undefined }).expect(201);
    await alice.post('/fhir/Observation').type(FHIR_JSON).send({ ...obs('x', 'bob', '1234-5'), id: undefined }).expect(403);
  });

  it('a patient/ token without a patient context is refused', async () => {
    const lost = await site.as({ scopes: 'patient/*.rs' });
    const res = await lost.get('/fhir/Patient/alice');
    assert.equal(res.status, 403);
    assert.match(res.body.issue[0].diagnostics, /patient launch context/);
  });

  it('an _include of a type the scopes do not cover is left out', async () => {
    const narrow = await site.as({ scopes: 'user/Observation.rs' });
    const res = await narrow.get('/fhir/Observation?_include=Observation:subject&_include=Observation:encounter').expect(200);
    assert.deepEqual(idsIn(res.body).filter((id) => !id.startsWith('Observation/')), []);
    const chained = await narrow.get('/fhir/Observation?subject:Patient.gender=male').expect(200);
    assert.deepEqual(idsIn(chained.body), [], 'a chain through an uncovered type finds nothing');
  });
});

describe('auth: no token, no FHIR', () => {
  let site: TestSite;
  before(async () => (site = await createTestSite()));
  after(() => site.close());

  for (const [method, path] of [['get', '/fhir/metadata'], ['get', '/fhir/Patient'], ['get', '/fhir/Patient/x'], ['post', '/fhir'], ['delete', '/fhir/Patient/x'], ['get', '/fhir/Measure/$evaluate-measure']] as const) {
    it(`${method.toUpperCase()} ${path} without a token: 401 with WWW-Authenticate: Bearer`, async () => {
      const res = await site.anonymous[method](path);
      assert.equal(res.status, 401);
      assert.match(res.headers['www-authenticate'], /^Bearer realm=/);
      assert.equal(res.body.resourceType, 'OperationOutcome');
    });
  }

  it('a bad, foreign, or tampered token: 401 invalid_token', async () => {
    const good = await site.tokenFor({ scopes: 'user/*.rs' });
    const [h, p, s] = good.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'user/*.cruds' })).toString('base64url')}.${s}`;
    const other = await createTestSite();
    const foreign = await other.tokenFor({ scopes: 'user/*.rs' });
    await other.close();
    for (const token of ['garbage', tampered, foreign]) {
      const res = await site.anonymous.get('/fhir/Patient').set('Authorization', `Bearer ${token}`);
      assert.equal(res.status, 401, token);
      assert.match(res.headers['www-authenticate'], /error="invalid_token"/);
    }
    await site.anonymous.get('/fhir/Patient').set('Authorization', 'Basic dGVzdDp0ZXN0').expect(401);
  });

  it('discovery is open and JSON whatever Accept says, with absolute URLs', async () => {
    for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
      const res = await site.anonymous.get(path).set('Accept', 'text/html').expect(200).expect('Content-Type', /application\/json/);
      const config = JSON.parse(res.text);
      assert.match(config.token_endpoint, /^http:\/\/127\.0\.0\.1:\d+\/auth\/token$/);
      assert.match(config.authorization_endpoint, /^http:\/\/.+\/auth\/authorize$/);
      assert.deepEqual(config.code_challenge_methods_supported, ['S256']);
      assert.ok(config.grant_types_supported.includes('client_credentials'));
      assert.ok(config.capabilities.includes('launch-standalone'));
      assert.ok(config.scopes_supported.includes('patient/*.rs'));
    }
  });

  it('rate limits per client with 429 and Retry-After', async () => {
    const limited = await createTestSite({ rateLimit: { requestsPerMinute: 3 } });
    try {
      const agent = await limited.as({ scopes: 'user/*.rs' });
      for (let i = 0; i < 3; i++) await agent.get('/fhir/Patient').expect(200);
      const res = await agent.get('/fhir/Patient').expect(429);
      assert.ok(Number(res.headers['retry-after']) > 0);
      assert.match(res.body.issue[0].diagnostics, /rate-limit/);
      const other = await limited.as({ scopes: 'user/*.rs' });
      await other.get('/fhir/Patient').expect(200);
    } finally {
      await limited.close();
    }
  });

  it('CORS: configured origins get the headers and preflights, others none; CORP allows cross-origin', async () => {
    const cors = await createTestSite({ cors: { origins: ['https://app.example'] } });
    try {
      const preflight = await cors.anonymous.options('/fhir/Patient').set('Origin', 'https://app.example').set('Access-Control-Request-Method', 'GET').set('Access-Control-Request-Headers', 'authorization');
      assert.equal(preflight.status, 204);
      assert.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
      assert.match(preflight.headers['access-control-allow-headers'], /Authorization/);
      const read = await cors.http.get('/fhir/Patient').set('Origin', 'https://app.example').expect(200);
      assert.equal(read.headers['access-control-allow-origin'], 'https://app.example');
      assert.equal(read.headers['cross-origin-resource-policy'], 'cross-origin');
      const stranger = await cors.http.get('/fhir/Patient').set('Origin', 'https://evil.example').expect(200);
      assert.equal(stranger.headers['access-control-allow-origin'], undefined);
    } finally {
      await cors.close();
    }
  });
});
