/**
 * SMART scopes v1 and v2 (https://build.fhir.org/ig/HL7/smart-app-launch/scopes-and-launch-context.html): a table
 * of scope strings, valid and invalid, and of interactions they allow or refuse at a site.
 */
import assert from 'node:assert/strict';
import { parseScope, ScopeError } from '../server/auth/scopes.ts';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

const VALID: [string, string, string][] = [
  // scope, resource type, permissions
  ['patient/Observation.rs', 'Observation', 'rs'],
  ['user/*.cruds', '*', 'cruds'],
  ['system/Patient.c', 'Patient', 'c'],
  ['system/*.s', '*', 's'],
  ['patient/*.read', '*', 'rs'],
  ['user/Observation.write', 'Observation', 'cud'],
  ['system/*.*', '*', 'cruds'],
  ['patient/Condition.ud', 'Condition', 'ud'],
];
const INVALID = [
  'patient/Observation.sr', // v2 letters out of order
  'patient/Observation.rr',
  'patient/Observation.x',
  'patient/Observation.',
  'patient/Unicorn.rs', // unknown type
  'clinician/*.rs', // unknown context
  'patient/*.rs?category=vital-signs', // granular scopes: not supported, so refused rather than widened
  'Observation.read',
  'patient/observation.rs',
  'admin',
  '',
];

describe('auth: scope strings', () => {
  for (const [scope, type, permissions] of VALID) {
    it(`parses ${scope}`, () => {
      const grant = parseScope(scope);
      assert.ok(typeof grant === 'object');
      assert.equal(grant.resourceType, type);
      assert.equal([...grant.permissions].sort().join(''), [...permissions].sort().join(''));
    });
  }
  for (const scope of INVALID) {
    it(`refuses ${JSON.stringify(scope)}`, () => assert.throws(() => parseScope(scope), ScopeError));
  }
  it('knows the non-resource scopes', () => {
    for (const scope of ['openid', 'fhirUser', 'launch', 'launch/patient', 'offline_access']) assert.equal(parseScope(scope), scope);
  });
});

type Case = [scopes: string, method: 'get' | 'post' | 'put' | 'delete', path: string, status: number];

const CASES: Case[] = [
  ['user/*.rs', 'get', '/fhir/Patient/p1', 200],
  ['user/*.rs', 'get', '/fhir/Observation?subject=Patient/p1', 200],
  ['user/*.rs', 'post', '/fhir/Patient', 403],
  ['user/*.rs', 'delete', '/fhir/Patient/p1', 403],
  ['user/Patient.r', 'get', '/fhir/Patient/p1', 200],
  ['user/Patient.r', 'get', '/fhir/Patient?gender=female', 403], // read is not search
  ['user/Patient.s', 'get', '/fhir/Patient?gender=female', 200],
  ['user/Patient.s', 'get', '/fhir/Patient/p1', 403],
  ['user/Patient.rs', 'get', '/fhir/Observation/o1', 403],
  ['user/Patient.read', 'get', '/fhir/Patient?gender=female', 200], // v1
  ['user/Patient.read', 'put', '/fhir/Patient/p1', 403],
  ['user/Patient.write', 'put', '/fhir/Patient/p1', 200],
  ['user/Patient.write', 'get', '/fhir/Patient/p1', 403],
  ['user/Patient.*', 'put', '/fhir/Patient/p1', 200],
  ['system/*.cruds', 'post', '/fhir/Observation', 201],
  ['system/Observation.c', 'post', '/fhir/Observation', 201],
  ['system/Observation.u', 'post', '/fhir/Observation', 403],
  ['system/*.d', 'delete', '/fhir/Observation/gone', 200],
  ['system/Patient.s', 'get', '/fhir/?_type=Patient', 200],
  ['system/Patient.s', 'get', '/fhir/?_type=Patient,Observation', 403],
  ['system/Patient.s', 'get', '/fhir/', 403], // all types need a wildcard
  ['system/*.s', 'get', '/fhir/', 200],
  ['system/Patient.r', 'get', '/fhir/_history', 403],
  ['system/*.r', 'get', '/fhir/_history', 200],
  ['patient/*.rs', 'get', '/fhir/Patient/p1', 200],
  ['patient/*.rs', 'get', '/fhir/Patient/p2', 404],
  ['openid fhirUser', 'get', '/fhir/Patient/p1', 403],
  ['user/*.rs', 'get', '/fhir/metadata', 200],
];

describe('auth: scopes against interactions', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite();
    for (const id of ['p1', 'p2']) await site.http.put(`/fhir/Patient/${id}`).type(FHIR_JSON).send({ resourceType: 'Patient', id, gender: 'female' }).expect(201);
    await site.http.put('/fhir/Observation/o1').type(FHIR_JSON).send(observation('o1', 'p1')).expect(201);
  });
  after(() => site.close());

  for (const [scopes, method, path, status] of CASES) {
    it(`${scopes}: ${method.toUpperCase()} ${path} -> ${status}`, async () => {
      if (method === 'delete') await site.http.put('/fhir/Observation/gone').type(FHIR_JSON).send(observation('gone', 'p1'));
      const agent = await site.as({ scopes, patient: scopes.startsWith('patient/') ? 'p1' : undefined });
      let request = agent[method](path);
      if (method === 'post') request = request.type(FHIR_JSON).send(path.endsWith('Patient') ? { resourceType: 'Patient' } : observation(undefined, 'p1'));
      if (method === 'put') request = request.type(FHIR_JSON).send({ resourceType: 'Patient', id: 'p1', gender: 'female' });
      const res = await request;
      assert.equal(res.status, status, JSON.stringify(res.body));
      if (status === 403) {
        assert.equal(res.body.resourceType, 'OperationOutcome');
        assert.match(res.body.issue[0].diagnostics, /needs scope \w+\/[\w*]+\.[cruds]/);
      }
    });
  }

  it('refuses a token whose scopes do not parse with 403 naming the scope', async () => {
    const agent = await site.as({ scopes: ['user/*.rs'] });
    const token = await site.tokenFor({ scopes: ['user/Patient.rr'] }).catch((err: Error) => err);
    // The registry refuses to register such a client at all...
    assert.ok(token instanceof Error);
    // ...and a token carrying one (say, from an external issuer) is refused, not ignored.
    site.auth.registerClient({ clientId: 'odd', role: 'internal', scope: 'user/*.rs' });
    const odd = (await site.auth.issue({ clientId: 'odd', role: 'internal', scopes: ['user/*.rs', 'user/Patient.rr'] })).accessToken;
    const res = await site.anonymous.get('/fhir/Patient/p1').set('Authorization', `Bearer ${odd}`);
    assert.equal(res.status, 403);
    assert.match(res.body.issue[0].diagnostics, /user\/Patient\.rr/);
    assert.equal((await agent.get('/fhir/Patient/p1')).status, 200);
  });
});

function observation(id: string | undefined, patient: string) {
  return {
    resourceType: 'Observation', ...(id ? { id } : {}), status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: `Patient/${patient}` },
  };
}
