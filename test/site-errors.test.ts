/** Bad input: every failure is an OperationOutcome with the right status, and nothing reaches the store. */
import assert from 'node:assert/strict';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

function assertOutcome(res: { status: number; body: { resourceType?: string; issue?: unknown[] } }, status: number): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.ok((res.body.issue ?? []).length > 0);
}

describe('site: errors and bad input', () => {
  let site: TestSite;
  beforeEach(async () => (site = await createTestSite()));
  afterEach(() => site.close());
  const storedCount = () => site.store.count({ deleted: false });

  it('malformed JSON is 400', async () => {
    const res = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send('{"resourceType": "Patient",');
    assertOutcome(res, 400);
  });

  it('an unknown resource type is 404', async () => {
    assertOutcome(await site.http.get('/fhir/Spaceship/1'), 404);
    assertOutcome(await site.http.post('/fhir/Spaceship').set('Content-Type', FHIR_JSON).send({ resourceType: 'Spaceship' }), 404);
  });

  it('a wrong content type is 415', async () => {
    const res = await site.http.post('/fhir/Patient').set('Content-Type', 'text/plain').send('hello');
    assertOutcome(res, 415);
    const xml = await site.http.post('/fhir/Patient').set('Content-Type', 'application/fhir+xml').send('<Patient/>');
    assertOutcome(xml, 415);
  });

  it('a body over the configured limit is 413', async () => {
    const big = { resourceType: 'Patient', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(1_100_000)}</div>` } };
    assertOutcome(await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send(big), 413);
  });

  it('a resourceType that does not match the URL is 400', async () => {
    assertOutcome(await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send({ resourceType: 'Observation' }), 400);
  });

  it('an invalid resource is refused (400/422) with the element named', async () => {
    const res = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', gender: 42 });
    assert.ok([400, 422].includes(res.status), `status ${res.status}`);
    assert.match(JSON.stringify(res.body.issue), /gender/);
    const unknownElement = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', colour: 'blue' });
    assert.ok([400, 422].includes(unknownElement.status));
    assert.equal(await storedCount(), 0);
  });

  it('deep nesting is 400', async () => {
    let extension: Record<string, unknown> = { url: 'urn:x', valueString: 'leaf' };
    for (let i = 0; i < 80; i++) extension = { url: 'urn:x', extension: [extension] };
    const res = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', extension: [extension] });
    assertOutcome(res, 400);
  });

  it('__proto__ and constructor keys are 400 and never reach an object merge', async () => {
    const proto = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send('{"resourceType":"Patient","__proto__":{"polluted":true}}');
    assertOutcome(proto, 400);
    const ctor = await site.http.post('/fhir/Patient').set('Content-Type', FHIR_JSON).send('{"resourceType":"Patient","name":[{"constructor":{"prototype":{"x":1}}}]}');
    assertOutcome(ctor, 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(await storedCount(), 0);
  });

  it('query-string objects like ?_id[$ne]=x never become a query operator', async () => {
    await site.http.put('/fhir/Patient/a').set('Content-Type', FHIR_JSON).send({ resourceType: 'Patient', id: 'a' });
    const res = await site.http.get('/fhir/Patient?_id[$ne]=x');
    if (res.status === 200) {
      // Ignored as an unknown parameter (with a warning), it must not have matched as "$ne".
      const outcome = res.body.entry?.find((e: { search?: { mode?: string } }) => e.search?.mode === 'outcome');
      assert.ok(outcome, 'a warning about the ignored parameter');
    } else {
      assertOutcome(res, 400);
    }
    const strict = await site.http.get('/fhir/Patient?_id[$ne]=x').set('Prefer', 'handling=strict');
    assertOutcome(strict, 400);
  });

  it('_format=xml is 406 (this server speaks JSON)', async () => {
    assertOutcome(await site.http.get('/fhir/metadata?_format=xml'), 406);
  });

  it('a method the path does not support is 405', async () => {
    assertOutcome(await site.http.delete('/fhir/metadata'), 405);
  });

  it('an unknown path is 404 OperationOutcome', async () => {
    assertOutcome(await site.http.get('/nowhere'), 404);
  });

  it('every response carries a request id, the caller\'s when it is safe', async () => {
    const mine = await site.http.get('/fhir/metadata').set('X-Request-Id', 'abc-123');
    assert.equal(mine.headers['x-request-id'], 'abc-123');
    const unsafe = await site.http.get('/fhir/metadata').set('X-Request-Id', 'a b\tc');
    assert.notEqual(unsafe.headers['x-request-id'], 'a b\tc');
    assert.ok(unsafe.headers['x-request-id']);
  });

  it('/healthz answers ok; security headers are set (helmet)', async () => {
    const res = await site.http.get('/healthz');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });
});
