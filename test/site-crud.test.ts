/** https://hl7.org/fhir/R4/http.html: read, vread, create, update, delete, versioning, Prefer. */
import assert from 'node:assert/strict';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

const patient = { resourceType: 'Patient', gender: 'female', birthDate: '1970' };

describe('site: create, read, update, delete (http.html)', () => {
  let site: TestSite;
  beforeEach(async () => (site = await createTestSite()));
  afterEach(() => site.close());

  it('create assigns id, versionId and lastUpdated, ignoring the client values, and answers 201 with Location and ETag', async () => {
    const res = await site.http
      .post('/fhir/Patient')
      .set('Content-Type', FHIR_JSON)
      .send({ ...patient, id: 'client-id', meta: { versionId: '99', lastUpdated: '2000-01-01T00:00:00Z', tag: [{ code: 'kept' }] } });
    assert.equal(res.status, 201);
    assert.notEqual(res.body.id, 'client-id');
    assert.equal(res.body.meta.versionId, '1');
    assert.notEqual(res.body.meta.lastUpdated, '2000-01-01T00:00:00Z');
    assert.deepEqual(res.body.meta.tag, [{ code: 'kept' }]);
    assert.equal(res.headers.etag, 'W/"1"');
    assert.ok(res.headers['last-modified']);
    assert.match(res.headers.location, new RegExp(`/fhir/Patient/${res.body.id}/_history/1$`));
    assert.match(res.headers['content-type'], /^application\/fhir\+json/);
  });

  it('read returns the stored resource; an unknown id is 404', async () => {
    const created = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(patient);
    const read = await site.http.get(`/fhir/Patient/${created.body.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created.body);
    assert.equal(read.headers.etag, 'W/"1"');
    const missing = await site.http.get('/fhir/Patient/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.resourceType, 'OperationOutcome');
  });

  it('read with If-None-Match of the current version is 304', async () => {
    const created = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(patient);
    const res = await site.http.get(`/fhir/Patient/${created.body.id}`).set('If-None-Match', 'W/"1"');
    assert.equal(res.status, 304);
  });

  it('update makes version 2; vread returns either version; PUT with a new client id creates (201)', async () => {
    const put1 = await site.http.put('/fhir/Patient/p1').set('Content-Type', FHIR_JSON).send({ ...patient, id: 'p1' });
    assert.equal(put1.status, 201);
    const put2 = await site.http.put('/fhir/Patient/p1').set('Content-Type', FHIR_JSON).send({ ...patient, id: 'p1', gender: 'male' });
    assert.equal(put2.status, 200);
    assert.equal(put2.body.meta.versionId, '2');
    assert.equal(put2.headers.etag, 'W/"2"');
    const v1 = await site.http.get('/fhir/Patient/p1/_history/1');
    assert.equal(v1.body.gender, 'female');
    const v2 = await site.http.get('/fhir/Patient/p1/_history/2');
    assert.equal(v2.body.gender, 'male');
    assert.equal((await site.http.get('/fhir/Patient/p1/_history/3')).status, 404);
  });

  it('If-Match with a stale version is 412 and changes nothing', async () => {
    await site.http.put('/fhir/Patient/p1').set('Content-Type', FHIR_JSON).send({ ...patient, id: 'p1' });
    await site.http.put('/fhir/Patient/p1').set('Content-Type', FHIR_JSON).send({ ...patient, id: 'p1', gender: 'male' });
    const stale = await site.http
      .put('/fhir/Patient/p1')
      .set('Content-Type', FHIR_JSON)
      .set('If-Match', 'W/"1"')
      .send({ ...patient, id: 'p1', gender: 'other' });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.resourceType, 'OperationOutcome');
    const current = await site.http.get('/fhir/Patient/p1');
    assert.equal(current.body.gender, 'male');
    const fresh = await site.http
      .put('/fhir/Patient/p1')
      .set('Content-Type', FHIR_JSON)
      .set('If-Match', 'W/"2"')
      .send({ ...patient, id: 'p1', gender: 'other' });
    assert.equal(fresh.status, 200);
  });

  it('update needs the body id to match the URL id', async () => {
    const res = await site.http.put('/fhir/Patient/p1').set('Content-Type', FHIR_JSON).send({ ...patient, id: 'p2' });
    assert.equal(res.status, 400);
    const noId = await site.http.put('/fhir/Patient/p1').set('Content-Type', FHIR_JSON).send(patient);
    assert.equal(noId.status, 400);
  });

  it('delete makes read answer 410 and keeps the history', async () => {
    await site.http.put('/fhir/Patient/p1').set('Content-Type', FHIR_JSON).send({ ...patient, id: 'p1' });
    const del = await site.http.delete('/fhir/Patient/p1');
    assert.equal(del.status, 200);
    assert.equal((await site.http.get('/fhir/Patient/p1')).status, 410);
    const history = await site.http.get('/fhir/Patient/p1/_history');
    assert.equal(history.body.total, 2);
    assert.equal(history.body.entry[0].request.method, 'DELETE');
    assert.equal((await site.http.get('/fhir/Patient/p1/_history/1')).body.gender, 'female');
    // Deleting again is not an error, and re-creating after delete continues the version sequence.
    assert.equal((await site.http.delete('/fhir/Patient/p1')).status, 200);
    const again = await site.http.put('/fhir/Patient/p1').set('Content-Type', FHIR_JSON).send({ ...patient, id: 'p1' });
    assert.equal(again.status, 201);
    assert.equal(again.body.meta.versionId, '3');
  });

  it('Prefer: return=minimal sends no body; return=OperationOutcome sends an outcome', async () => {
    const minimal = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('Prefer', 'return=minimal').send(patient);
    assert.equal(minimal.status, 201);
    assert.equal(minimal.text, '');
    assert.ok(minimal.headers.location);
    const outcome = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).set('Prefer', 'return=OperationOutcome').send(patient);
    assert.equal(outcome.body.resourceType, 'OperationOutcome');
  });

  it('application/json is accepted as well as application/fhir+json, and Accept: application/json is honoured', async () => {
    const res = await site.http.post('/fhir/Patient').set('Content-Type', 'application/json').set('Accept', 'application/json').send(patient);
    assert.equal(res.status, 201);
    assert.match(res.headers['content-type'], /^application\/json/);
  });

  it('_pretty=true indents the JSON', async () => {
    const created = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(patient);
    const res = await site.http.get(`/fhir/Patient/${created.body.id}?_pretty=true&_format=json`);
    assert.equal(res.status, 200);
    assert.match(res.text, /\n  "resourceType": "Patient"/);
  });
});
