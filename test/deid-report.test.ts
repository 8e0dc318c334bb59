/** GET /fhir/$deid-report: prosecutor risk of the stored Patients, for site administrators only. */
import type { Parameters, Patient } from '@medplum/fhirtypes';
import assert from 'node:assert/strict';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

const valueOf = (p: Parameters, name: string) => p.parameter?.find((x) => x.name === name);

function patient(id: string, birthYear: string, gender: Patient['gender'], zip3: string): Patient {
  return { resourceType: 'Patient', id, birthDate: birthYear, gender, address: [{ state: 'MA', postalCode: zip3 }] };
}

describe('GET /fhir/$deid-report', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite();
    const common = Array.from({ length: 12 }, (_, i) => patient(`common-${i}`, '1980', 'female', '021'));
    const rare = [patient('rare-1', '1950', 'male', '100'), patient('rare-2', '1950', 'male', '100')];
    for (const p of [...common, ...rare]) await site.http.put(`/fhir/Patient/${p.id}`).set('content-type', FHIR_JSON).send(p).expect(201);
  });
  after(() => site.close());

  it('tells an administrator the equivalence classes below k and the highest and average risk', async () => {
    const admin = await site.as({ role: 'admin', scopes: 'system/*.rs' });
    const report = (await admin.get('/fhir/$deid-report').expect(200)).body as Parameters;
    assert.equal(valueOf(report, 'k')?.valueInteger, 11);
    assert.equal(valueOf(report, 'patients')?.valueInteger, 14);
    assert.equal(valueOf(report, 'classes')?.valueInteger, 2);
    assert.equal(valueOf(report, 'classesBelowK')?.valueInteger, 1);
    assert.equal(valueOf(report, 'patientsBelowK')?.valueInteger, 2);
    assert.equal(valueOf(report, 'highestRisk')?.valueDecimal, 0.5);
    const small = valueOf(report, 'smallClass')?.part ?? [];
    assert.deepEqual(Object.fromEntries(small.map((p) => [p.name, p.valueString ?? p.valueInteger ?? p.valueBoolean])), { birthYear: '1950', gender: 'male', zip3: '100', deceased: false, size: 2 });
    const outcome = valueOf(report, 'outcome')?.resource as { issue: { severity: string; diagnostics: string }[] };
    assert.ok(outcome.issue.some((i) => i.severity === 'warning' && /1 equivalence classes hold fewer than 11/.test(i.diagnostics)));
  });

  it('takes k from the query', async () => {
    const admin = await site.as({ role: 'admin', scopes: 'system/*.rs' });
    const report = (await admin.get('/fhir/$deid-report?k=2').expect(200)).body as Parameters;
    assert.equal(valueOf(report, 'classesBelowK')?.valueInteger, 0);
    assert.equal(valueOf(report, 'smallClass'), undefined);
    const bad = await admin.get('/fhir/$deid-report?k=one').expect(400);
    assert.equal(bad.body.resourceType, 'OperationOutcome');
    await admin.get('/fhir/$deid-report?k=1').expect(400);
  });

  for (const [who, caller] of [
    ['a site-internal loader', { scopes: 'system/*.cruds' }],
    ['a clinician', { scopes: 'user/*.rs' }],
    ['a federation caller', { role: 'aggregate' as const, scopes: 'system/*.s' }],
  ] as const) {
    it(`answers 403 to ${who}: small classes are quasi-identifier combinations`, async () => {
      const agent = await site.as(caller);
      const res = await agent.get('/fhir/$deid-report').expect(403);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.ok(!JSON.stringify(res.body).includes('1950'));
    });
  }
});
