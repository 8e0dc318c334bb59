/** batch and transaction Bundles: https://hl7.org/fhir/R4/http.html#transaction */
import assert from 'node:assert/strict';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

type Entry = { fullUrl?: string; resource?: Record<string, unknown>; request: { method: string; url: string; ifNoneExist?: string; ifMatch?: string } };
const bundle = (type: 'transaction' | 'batch', entry: Entry[]) => ({ resourceType: 'Bundle', type, entry });
const observation = (subject: string, i = 0) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: subject },
  valueQuantity: { value: 60 + i, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
});

describe('site: batch and transaction', () => {
  let site: TestSite;
  beforeEach(async () => (site = await createTestSite()));
  afterEach(() => site.close());
  const post = (body: object) => site.http.post('/fhir').set('Content-Type', FHIR_JSON).send(body);

  it('resolves urn:uuid fullUrls into references and answers a transaction-response in entry order', async () => {
    const res = await post(
      bundle('transaction', [
        { fullUrl: 'urn:uuid:obs-1', resource: observation('urn:uuid:pat-1'), request: { method: 'POST', url: 'Observation' } },
        { fullUrl: 'urn:uuid:pat-1', resource: { resourceType: 'Patient', gender: 'female' }, request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.type, 'transaction-response');
    assert.deepEqual(res.body.entry.map((e: { response: { status: string } }) => e.response.status), ['201 Created', '201 Created']);
    const patientLocation: string = res.body.entry[1].response.location;
    const patientId = patientLocation.split('/Patient/')[1].split('/')[0];
    const obsLocation: string = res.body.entry[0].response.location;
    const obs = await site.http.get(new URL(obsLocation).pathname.replace(/\/_history\/\d+$/, ''));
    assert.equal(obs.body.subject.reference, `Patient/${patientId}`);
  });

  it('processes DELETE, POST, PUT, GET in that order', async () => {
    await site.http.put('/fhir/Patient/old').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'old' });
    const res = await post(
      bundle('transaction', [
        { request: { method: 'GET', url: 'Patient/new' } },
        { resource: { resourceType: 'Patient', id: 'new', gender: 'male' }, request: { method: 'PUT', url: 'Patient/new' } },
        { request: { method: 'DELETE', url: 'Patient/old' } },
      ]),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.entry[0].response.status, '200 OK');
    assert.equal(res.body.entry[0].resource.gender, 'male');
    assert.equal((await site.http.get('/fhir/Patient/old')).status, 410);
  });

  it('resolves conditional references and conditional creates', async () => {
    await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: '42' }] });
    const res = await post(
      bundle('transaction', [
        { resource: observation('Patient?identifier=urn:mrn|42'), request: { method: 'POST', url: 'Observation' } },
        {
          fullUrl: 'urn:uuid:p',
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: '42' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:mrn|42' },
        },
      ]),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.entry[1].response.status, '200 OK');
    const patients = await site.store.count({ type: 'Patient', deleted: false });
    assert.equal(patients, 1);
    const obsUrl = new URL(res.body.entry[0].response.location).pathname.replace(/\/_history\/\d+$/, '');
    const obs = await site.http.get(obsUrl);
    assert.match(obs.body.subject.reference, /^Patient\/[\w-]+$/);
  });

  it('a conditional reference with no match fails the whole transaction', async () => {
    const res = await post(
      bundle('transaction', [
        { resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        { resource: observation('Patient?identifier=urn:mrn|missing'), request: { method: 'POST', url: 'Observation' } },
      ]),
    );
    assert.equal(res.status, 412);
    assert.equal(await site.store.count({ deleted: false }), 0);
  });

  it('one bad entry among fifty leaves the store exactly as before', async () => {
    await site.http.put('/fhir/Patient/keep').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'keep', gender: 'male' });
    const before = await site.http.get('/fhir/_history');
    const entries: Entry[] = [{ fullUrl: 'urn:uuid:p', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }];
    entries.push({ resource: { resourceType: 'Patient', id: 'keep', gender: 'female' }, request: { method: 'PUT', url: 'Patient/keep' } });
    for (let i = 0; i < 47; i++) entries.push({ resource: observation('urn:uuid:p', i), request: { method: 'POST', url: 'Observation' } });
    entries.splice(30, 0, { resource: { ...observation('urn:uuid:p'), status: 'not-a-status' }, request: { method: 'POST', url: 'Observation' } });
    assert.equal(entries.length, 50);
    const res = await post(bundle('transaction', entries));
    assert.ok(res.status >= 400, `status ${res.status}`);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.match(JSON.stringify(res.body), /Bundle\.entry\[30\]/);
    const after = await site.http.get('/fhir/_history');
    const versions = (body: { entry: { resource: unknown; response: unknown }[] }) => body.entry.map((e) => [e.resource, e.response]);
    assert.deepEqual(versions(after.body), versions(before.body));
    assert.equal((await site.http.get('/fhir/Patient/keep')).body.gender, 'male');
    assert.equal(await site.store.count({ type: 'Observation' }), 0);
  });

  it('refuses a transaction that changes one resource twice', async () => {
    const res = await post(
      bundle('transaction', [
        { resource: { resourceType: 'Patient', id: 'x' }, request: { method: 'PUT', url: 'Patient/x' } },
        { request: { method: 'DELETE', url: 'Patient/x' } },
      ]),
    );
    assert.equal(res.status, 400);
  });

  it('a batch runs each entry on its own and reports failures per entry', async () => {
    const res = await post(
      bundle('batch', [
        { resource: { resourceType: 'Patient', gender: 'female' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        { resource: { resourceType: 'Patient', gender: 'no-such-gender' }, request: { method: 'POST', url: 'Patient' } },
      ]),
    );
    assert.equal(res.status, 200);
    assert.equal(res.body.type, 'batch-response');
    assert.equal(res.body.entry[0].response.status, '201 Created');
    assert.equal(res.body.entry[1].response.status, '404 Not Found');
    assert.equal(res.body.entry[1].response.outcome.resourceType, 'OperationOutcome');
    assert.match(res.body.entry[2].response.status, /^4\d\d/);
    assert.equal(await site.store.count({ type: 'Patient', deleted: false }), 1);
  });

  it('JSON Patch inside a transaction travels as a Binary', async () => {
    await site.http.put('/fhir/Patient/pp').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'pp', gender: 'male' });
    const patch = Buffer.from(JSON.stringify([{ op: 'replace', path: '/gender', value: 'female' }])).toString('base64');
    const res = await post(
      bundle('transaction', [{ resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch }, request: { method: 'PATCH', url: 'Patient/pp' } }]),
    );
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await site.http.get('/fhir/Patient/pp')).body.gender, 'female');
  });

  it('a Bundle that is neither batch nor transaction is 400', async () => {
    const res = await post({ resourceType: 'Bundle', type: 'collection', entry: [] });
    assert.equal(res.status, 400);
  });
});
