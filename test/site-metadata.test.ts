/** The CapabilityStatement says what is implemented: https://hl7.org/fhir/R4/http.html#capabilities */
import assert from 'node:assert/strict';
import { routes } from '../server/fhir/routes.ts';
import { createTestSite, type TestSite } from './support/test-site.ts';

describe('site: GET /fhir/metadata', () => {
  let site: TestSite;
  before(async () => (site = await createTestSite()));
  after(() => site.close());

  it('lists every R4 resource type with the interactions of the route table and its search parameters', async () => {
    const res = await site.http.get('/fhir/metadata');
    assert.equal(res.status, 200);
    const cs = res.body;
    assert.equal(cs.resourceType, 'CapabilityStatement');
    assert.equal(cs.fhirVersion, '4.0.1');
    assert.equal(cs.kind, 'instance');
    const resources = cs.rest[0].resource as { type: string; interaction: { code: string }[]; searchParam: { name: string; type: string }[]; operation: { name: string }[] }[];
    assert.equal(resources.length, 146, 'the 146 concrete R4 resource types');
    assert.ok(!resources.some((r) => r.type === 'SubscriptionStatus'), 'R4B\'s SubscriptionStatus is not R4');
    const observation = resources.find((r) => r.type === 'Observation')!;
    const codes = observation.interaction.map((i) => i.code).sort();
    assert.deepEqual(codes, ['create', 'delete', 'history-instance', 'history-type', 'patch', 'read', 'search-type', 'update', 'vread']);
    const code = observation.searchParam.find((p) => p.name === 'code');
    assert.equal(code?.type, 'token');
    assert.ok(observation.searchParam.find((p) => p.name === '_lastUpdated'));
    assert.ok(observation.operation.find((o) => o.name === 'validate'));
    const system = cs.rest[0].interaction.map((i: { code: string }) => i.code);
    for (const interaction of ['transaction', 'batch', 'search-system', 'history-system']) assert.ok(system.includes(interaction), interaction);
  });

  it('declares no interaction that the route table does not implement', async () => {
    const cs = (await site.http.get('/fhir/metadata')).body;
    const implemented = new Set<string>(routes.map((r) => r.interaction));
    implemented.add('batch');
    for (const resource of cs.rest[0].resource) {
      for (const { code } of resource.interaction) assert.ok(implemented.has(code), `${resource.type} ${code}`);
    }
  });
});
