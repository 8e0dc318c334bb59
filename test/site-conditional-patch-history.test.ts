/** Conditional interactions (http.html#ccreate, #cond-update, #cdelete), JSON Patch (#patch) and history (#history). */
import assert from 'node:assert/strict';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

const mrn = (value: string) => ({
  resourceType: 'Patient',
  identifier: [{ system: 'urn:example:mrn', value }],
  gender: 'male',
});

describe('site: conditional interactions, patch and history', () => {
  let site: TestSite;
  beforeEach(async () => (site = await createTestSite()));
  afterEach(() => site.close());
  const post = (body: object, headers: Record<string, string> = {}) =>
    site.http.post('/fhir/Patient').set({ 'Content-Type': FHIR_JSON, ...headers }).send(body);

  it('conditional create: no match creates (201), one match returns it (200), several is 412', async () => {
    const first = await post(mrn('1'), { 'If-None-Exist': 'identifier=urn:example:mrn|1' });
    assert.equal(first.status, 201);
    const second = await post(mrn('1'), { 'If-None-Exist': 'identifier=urn:example:mrn|1' });
    assert.equal(second.status, 200);
    assert.equal(second.body.id, first.body.id);
    await post(mrn('dup'));
    await post(mrn('dup'));
    const several = await post(mrn('dup'), { 'If-None-Exist': 'identifier=urn:example:mrn|dup' });
    assert.equal(several.status, 412);
  });

  it('conditional create with an unknown search parameter is refused, not treated as "no criteria"', async () => {
    const res = await post(mrn('1'), { 'If-None-Exist': 'no-such-param=1' });
    assert.equal(res.status, 400);
  });

  it('conditional update creates when nothing matches and updates the single match', async () => {
    const created = await site.http.put('/fhir/Patient?identifier=urn:example:mrn|7').set('Content-Type', FHIR_JSON).send(mrn('7'));
    assert.equal(created.status, 201);
    const updated = await site.http
      .put('/fhir/Patient?identifier=urn:example:mrn|7')
      .set('Content-Type', FHIR_JSON)
      .send({ ...mrn('7'), gender: 'female' });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.id, created.body.id);
    assert.equal(updated.body.meta.versionId, '2');
  });

  it('conditional delete removes the single match', async () => {
    const created = await post(mrn('9'));
    const res = await site.http.delete('/fhir/Patient?identifier=urn:example:mrn|9');
    assert.equal(res.status, 200);
    assert.equal((await site.http.get(`/fhir/Patient/${created.body.id}`)).status, 410);
  });

  it('JSON Patch changes the resource and makes a new version', async () => {
    const created = await post(mrn('5'));
    const res = await site.http
      .patch(`/fhir/Patient/${created.body.id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'replace', path: '/gender', value: 'female' }, { op: 'add', path: '/birthDate', value: '1980' }]);
    assert.equal(res.status, 200);
    assert.equal(res.body.gender, 'female');
    assert.equal(res.body.birthDate, '1980');
    assert.equal(res.body.meta.versionId, '2');
  });

  it('a JSON Patch that fails a test, or yields an invalid resource, is 422 and changes nothing', async () => {
    const created = await post(mrn('5'));
    const failedTest = await site.http
      .patch(`/fhir/Patient/${created.body.id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'test', path: '/gender', value: 'female' }, { op: 'replace', path: '/gender', value: 'female' }]);
    assert.equal(failedTest.status, 422);
    const invalid = await site.http
      .patch(`/fhir/Patient/${created.body.id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'replace', path: '/gender', value: 42 }]);
    assert.ok([400, 422].includes(invalid.status), `status ${invalid.status}`);
    const changedId = await site.http
      .patch(`/fhir/Patient/${created.body.id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'replace', path: '/id', value: 'other' }]);
    assert.equal(changedId.status, 422);
    const current = await site.http.get(`/fhir/Patient/${created.body.id}`);
    assert.equal(current.body.meta.versionId, '1');
    assert.equal(current.body.gender, 'male');
  });

  it('a patch body that is not an array of operations is 400', async () => {
    const created = await post(mrn('5'));
    const res = await site.http
      .patch(`/fhir/Patient/${created.body.id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send({ op: 'replace' });
    assert.equal(res.status, 400);
  });

  it('history at instance, type and system level, newest first, with _count paging and _since', async () => {
    await site.http.put('/fhir/Patient/h1').set('Content-Type', FHIR_JSON).send({ ...mrn('h'), id: 'h1' });
    const v2 = await site.http.put('/fhir/Patient/h1').set('Content-Type', FHIR_JSON).send({ ...mrn('h'), id: 'h1', gender: 'female' });
    await site.http.post('/fhir/Observation').set('Content-Type', FHIR_JSON).send({ resourceType: 'Observation', status: 'final', code: { text: 'x' } });

    const instance = await site.http.get('/fhir/Patient/h1/_history');
    assert.equal(instance.body.type, 'history');
    assert.deepEqual(instance.body.entry.map((e: { resource: { meta: { versionId: string } } }) => e.resource.meta.versionId), ['2', '1']);
    const type = await site.http.get('/fhir/Patient/_history');
    assert.equal(type.body.total, 2);
    const system = await site.http.get('/fhir/_history?_count=2');
    assert.equal(system.body.total, 3);
    assert.equal(system.body.entry.length, 2);
    const next = system.body.link.find((l: { relation: string }) => l.relation === 'next');
    assert.ok(next, 'a next link');
    const page2 = await site.http.get(new URL(next.url).pathname + new URL(next.url).search);
    assert.equal(page2.body.entry.length, 1);
    const since = await site.http.get(`/fhir/Patient/h1/_history?_since=${encodeURIComponent(v2.body.meta.lastUpdated)}`);
    assert.equal(since.body.entry[0].resource.meta.versionId, '2');
    const future = await site.http.get('/fhir/Patient/h1/_history?_since=2999-01-01T00:00:00Z');
    assert.equal(future.body.total, 0);
    assert.equal((await site.http.get('/fhir/_history?_since=yesterday')).status, 400);
  });
});
