/** Rules files: the shipped ones load; a bad one stops with the rule and the reason named. Writes checked against the de-identified profiles. */
import type { Resource } from '@medplum/fhirtypes';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { withDeidentifiedProfiles } from '../server/deid/deidentified-profiles.ts';
import { compileRuleSet, loadRuleSet, RuleSetError } from '../server/deid/rule-set.ts';
import { defaultPipeline } from '../server/fhir/default-pipeline.ts';
import type { OperationOutcomeError } from '../server/fhir/outcomes.ts';
import { WriteSession } from '../server/fhir/write-session.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';

const rulesWith = (rule: object) => ({ name: 'bad', version: '1', rules: [{ path: 'Patient.gender', method: 'keep' }, rule] });

describe('de-identification rules files', () => {
  it('loads the shipped rule sets with their restricted ZIP3 list', () => {
    for (const name of ['safe-harbor', 'limited-shift']) {
      const ruleSet = loadRuleSet(name);
      assert.equal(ruleSet.name, name);
      assert.ok(ruleSet.restrictedZip3.has('036'));
      assert.equal(ruleSet.restrictedZip3Version, '2000-census');
    }
  });

  const cases: [string, object, RegExp][] = [
    ['an unknown method', { path: 'Patient.name', method: 'scramble' }, /rule 2 \(Patient\.name\) method: must be equal to one of the allowed values/],
    ['generalize without "to"', { path: 'Patient.birthDate', method: 'generalize' }, /rule 2 \(Patient\.birthDate\): must have required property 'to'/],
    ['a path that is not FHIRPath', { path: 'Patient.name.where(', method: 'redact' }, /rule 2 \(Patient\.name\.where\(\): not valid FHIRPath/],
    ['an unknown resource type', { path: 'Patient2.name', method: 'redact' }, /rule 2 \(Patient2\.name\): "Patient2" is not a resource type/],
    ['nodesByType inside a path', { path: "Patient.nodesByType('HumanName')", method: 'redact' }, /rule 2 .*nodesByType\('Type'\) may only start a path/],
  ];
  for (const [what, rule, message] of cases) {
    it(`refuses ${what}, naming the rule and the reason`, () => {
      assert.throws(() => compileRuleSet(rulesWith(rule), 'bad.json'), (err: Error) => err instanceof RuleSetError && message.test(err.message));
    });
  }

  it('refuses a file that is not JSON, naming the file', () => {
    assert.throws(() => loadRuleSet('/nonexistent/rules.json'), /Cannot read rules file \/nonexistent\/rules\.json/);
  });
});

describe('writes checked against the de-identified profiles', () => {
  let dir: string;
  let store: EmbeddedStore;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vitrine-deid-'));
    store = new EmbeddedStore({ dir });
    await store.open();
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });
  const pipeline = withDeidentifiedProfiles(defaultPipeline);
  const write = (resource: Resource) => new WriteSession(store, pipeline).create(resource);

  const refused: [string, Resource, string][] = [
    ['a name', { resourceType: 'Patient', name: [{ family: 'Doe' }] }, 'Patient.name'],
    ['a phone number', { resourceType: 'Patient', telecom: [{ system: 'phone', value: '555' }] }, 'Patient.telecom'],
    ['a street', { resourceType: 'Patient', address: [{ line: ['1 Main St'], state: 'MA' }] }, 'Patient.address.line'],
    ['a photo', { resourceType: 'Patient', photo: [{ contentType: 'image/png' }] }, 'Patient.photo'],
    ['a practitioner name', { resourceType: 'Practitioner', name: [{ family: 'Who' }] }, 'Practitioner.name'],
  ];
  for (const [what, resource, element] of refused) {
    it(`refuses ${what} with 422 naming ${element}`, async () => {
      await assert.rejects(write(resource), (err: OperationOutcomeError) => err.status === 422 && err.outcome.issue?.[0].expression?.[0] === element);
    });
  }

  it('refuses an identifier that is not a pseudonym, and a full ZIP code', async () => {
    await assert.rejects(write({ resourceType: 'Patient', identifier: [{ system: 'urn:mrn', value: 'MRN123' }] }), (err: OperationOutcomeError) => err.status === 422 && /vdeid-1/.test(err.message));
    await assert.rejects(write({ resourceType: 'Patient', address: [{ postalCode: '02138' }] }), (err: OperationOutcomeError) => err.status === 422 && /vdeid-2/.test(err.message));
  });

  it('accepts a de-identified patient', async () => {
    const staged = await write({ resourceType: 'Patient', gender: 'female', birthDate: '1970', address: [{ state: 'MA', postalCode: '021' }], identifier: [{ system: 'urn:mrn', value: 'a'.repeat(64) }] });
    assert.equal(staged.created, true);
  });
});
