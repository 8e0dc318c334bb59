/**
 * prepareUnits runs each step over a whole batch before the next (de-identify all, validate all, extract all...):
 * each prepared resource must still carry its own index entries, whichever resources before it were refused and at
 * which step.
 */
import type { Resource } from '@medplum/fhirtypes';
import assert from 'node:assert/strict';
import { withDeidentifiedProfiles } from '../server/deid/deidentified-profiles.ts';
import { createDeidentifier } from '../server/deid/engine.ts';
import { loadRuleSet } from '../server/deid/rule-set.ts';
import { defaultPipeline } from '../server/fhir/default-pipeline.ts';
import { prepareUnits, storedJson } from '../server/ingest/prepare-unit.ts';
import type { SourceUnit } from '../server/ingest/read-sources.ts';
import { decodeIndexEntries } from '../server/store/embedded/coded-index.ts';
import { toJournaledIndexEntries } from '../server/store/embedded/record-codec.ts';

const KEY = Buffer.from('prepare-test-key-0123456789abcdef');
const pipeline = withDeidentifiedProfiles(defaultPipeline);

/** Two Bundles whose accepted resources sit between ones refused at each step. */
function units(): SourceUnit[] {
  const observation = (id: string, code: string, extra: object = {}) =>
    ({ resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: 'http://loinc.org', code }] }, subject: { reference: 'Patient/p1' }, ...extra }) as Resource;
  const first: Resource[] = [
    { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1970-02-03' },
    observation('o1', '8302-2', { valueQuantity: { value: 170, unit: 'cm', system: 'http://unitsofmeasure.org', code: 'cm' } }),
    observation('bad-status', '0000-0', { status: 'finished' }), // refused by validation
    { resourceType: 'Observation', status: 'final', code: { text: 'no id' } } as Resource, // refused before de-identification
    observation('o2', '29463-7', { valueQuantity: { value: 60, unit: 'kg', system: 'http://unitsofmeasure.org', code: 'kg' } }),
  ];
  const second: Resource[] = [
    observation('dangling', '1111-1', { subject: { reference: 'urn:uuid:not-in-this-bundle' } }), // refused by the de-identifier
    observation('o3', '8867-4', { valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } }),
    observation('bad-value', '2222-2', { valueQuantity: { value: 'high' } }), // refused by validation
    { resourceType: 'Condition', id: 'c1', subject: { reference: 'Patient/p1' }, code: { text: 'asthma' }, recordedDate: '2020-01-02' } as Resource,
  ];
  return [first, second].map((entries, i) => ({ source: `bundle ${i}`, entries: entries.map((resource) => ({ resource })), problems: [] }));
}

describe('prepareUnits', () => {
  it('gives each accepted resource its own index entries, whatever was refused around it and at which step', () => {
    const deidentifier = createDeidentifier(loadRuleSet('safe-harbor'), KEY);
    const prepared = prepareUnits(units(), deidentifier, KEY, pipeline, false);
    assert.equal(prepared.refusals.length, 4, JSON.stringify(prepared.refusals));
    assert.equal(prepared.resources.length, 5);
    for (const resource of prepared.resources) {
      // What the stored resource itself gives, extracted anew (no index parameter reads meta.versionId or lastUpdated).
      const stored = JSON.parse(storedJson(resource, 1, '2024-01-01T00:00:00.000Z')) as Resource;
      assert.deepEqual(resource.index, pipeline.extract(stored), `${resource.type}/${resource.id}`);
    }
    const coded = prepareUnits(units(), deidentifier, KEY, pipeline, true);
    const strings = JSON.parse(coded.indexTable!) as string[];
    assert.deepEqual(
      coded.resources.map((r) => decodeIndexEntries(strings, r.indexCoded!)),
      prepared.resources.map((r) => toJournaledIndexEntries(r.index!)),
    );
  });
});
