/**
 * The audit trail (IHE BALP, https://profiles.ihe.net/ITI/BALP/content.html): every request — read, search, write,
 * refused — leaves an AuditEvent; site administrators search them; nobody writes, changes or deletes them.
 */
import assert from 'node:assert/strict';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { createTestSite, FHIR_JSON, type TestAgent, type TestSite } from './support/test-site.ts';

describe('audit: BALP AuditEvents of every request', () => {
  let site: TestSite;
  let admin: TestAgent;
  before(async () => {
    site = await createTestSite();
    admin = await site.as({ role: 'admin', scopes: 'system/*.rs', clientId: 'site-admin' });
  });
  after(() => site.close());

  async function events(query: string): Promise<AuditEvent[]> {
    await site.audit.flush();
    const res = await admin.get(`/fhir/AuditEvent?${query}`).expect(200);
    return ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
  }

  it('records a read, a search with its query, a write and a refusal, each with client, server and outcome', async () => {
    await site.http.put('/fhir/Patient/a1').type(FHIR_JSON).send({ resourceType: 'Patient', id: 'a1' }).expect(201);
    await site.http.get('/fhir/Patient/a1').expect(200);
    await site.http.get('/fhir/Patient?gender=female').expect(200);
    await site.anonymous.get('/fhir/Patient/a1').expect(401);
    const narrow = await site.as({ scopes: 'user/Observation.rs', clientId: 'narrow-app' });
    await narrow.get('/fhir/Patient/a1').expect(403);

    const all = await events('_count=100');
    const bySubtype = (code: string) => all.filter((e) => e.subtype?.[0]?.code === code);
    const read = bySubtype('read').find((e) => e.outcome === '0')!;
    assert.ok(read, 'the read is recorded');
    assert.equal(read.type?.code, 'rest');
    assert.equal(read.action, 'R');
    assert.ok(read.meta?.profile?.[0].includes('IHE.BasicAudit'));
    assert.deepEqual(read.agent.map((a) => a.type?.coding?.[0].code), ['110153', '110152', 'IRCP']);
    assert.equal(read.agent[0].who?.identifier?.value, 'test-internal');
    assert.ok(read.entity?.some((e) => e.what?.reference === 'Patient/a1'));

    const search = bySubtype('search-type')[0];
    assert.equal(search.action, 'E');
    const query = search.entity!.find((e) => e.role?.code === '24')!;
    assert.equal(Buffer.from(query.query!, 'base64').toString(), 'gender=female');

    assert.equal(bySubtype('update')[0].action, 'U');
    const refused = all.filter((e) => e.outcome === '4');
    assert.ok(refused.some((e) => e.outcomeDesc?.startsWith('401')), 'the anonymous request');
    const forbidden = refused.find((e) => e.outcomeDesc?.startsWith('403'))!;
    assert.equal(forbidden.agent[0].who?.identifier?.value, 'narrow-app');
    assert.match(forbidden.outcomeDesc!, /smart-scope/);
  });

  it('records token requests of the authorization server', async () => {
    await site.anonymous.post('/auth/token').type('form').send({ grant_type: 'client_credentials' }).expect(401);
    const tokens = (await events('subtype=token')).filter((e) => e.outcome === '4');
    assert.ok(tokens.length > 0);
  });

  it('AuditEvent search: by outcome and agent, for administrators only', async () => {
    const failures = await events('outcome=4');
    assert.ok(failures.length >= 2);
    assert.ok(failures.every((e) => e.outcome === '4'));
    const res = await site.http.get('/fhir/AuditEvent').expect(403);
    assert.match(res.body.issue[0].diagnostics, /audit-admin/);
    const patientApp = await site.as({ scopes: 'patient/*.rs', patient: 'a1' });
    await patientApp.get('/fhir/AuditEvent').expect(403);
  });

  it('is append-only: no create, update or delete over REST, not even by an administrator', async () => {
    const id = (await events('_count=1'))[0].id!;
    const writer = await site.as({ role: 'admin', scopes: 'system/*.cruds' });
    await writer.get(`/fhir/AuditEvent/${id}`).expect(200);
    for (const res of [
      await writer.post('/fhir/AuditEvent').type(FHIR_JSON).send({ resourceType: 'AuditEvent' }),
      await writer.put(`/fhir/AuditEvent/${id}`).type(FHIR_JSON).send({ resourceType: 'AuditEvent', id }),
      await writer.delete(`/fhir/AuditEvent/${id}`),
    ]) {
      assert.equal(res.status, 403);
      assert.match(res.body.issue[0].diagnostics, /append-only/);
    }
    await writer.get(`/fhir/AuditEvent/${id}`).expect(200);
    await assert.rejects(site.audit.readOnly.commit([]), /append-only/);
  });
});
