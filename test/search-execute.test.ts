import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { searchResources } from '../server/search/execute.ts';
import { extractIndexEntries } from '../server/search/extract.ts';
import { parseSearchRequest } from '../server/search/parse.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import type { Store } from '../server/store/types.ts';

const resources: Resource[] = [
  { resourceType: 'Organization', id: 'acme', name: 'Acme Clinic' },
  { resourceType: 'Patient', id: 'p1', gender: 'female', birthDate: '1980-01-01', name: [{ family: 'Alpha' }], managingOrganization: { reference: 'Organization/acme' } },
  { resourceType: 'Patient', id: 'p2', gender: 'male', birthDate: '1990-01-01', name: [{ family: 'Beta' }] },
  { resourceType: 'Patient', id: 'p3', gender: 'female', birthDate: '2000-01-01', name: [{ family: 'Gamma' }] },
  ...['o1', 'o2', 'o3'].map((id, i) => ({
    resourceType: 'Observation' as const,
    id,
    status: 'final' as const,
    code: { coding: [{ system: 'http://loinc.org', code: i === 2 ? '8867-4' : '8480-6' }] },
    subject: { reference: `Patient/p${i + 1}` },
    valueQuantity: { value: 100 + i * 10, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  })),
  { resourceType: 'Provenance', id: 'prov1', target: [{ reference: 'Observation/o1' }], recorded: '2024-01-01T00:00:00Z', agent: [{ who: { reference: 'Organization/acme' } }] },
];

describe('search: searchResources over the embedded store', () => {
  let dir: string;
  let store: Store;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-search-'));
    store = new EmbeddedStore({ dir });
    await store.open();
    await store.commit(
      resources.map((r, i) => ({
        type: r.resourceType,
        id: r.id!,
        vid: 1,
        lastUpdated: new Date(Date.UTC(2024, 0, 1 + i)),
        deleted: false,
        json: JSON.stringify(r),
        expectedVid: 0,
        index: extractIndexEntries(r),
      })),
    );
  });

  after(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const search = (type: string | undefined, query: string) =>
    searchResources(store, parseSearchRequest(type, [...new URLSearchParams(query)]));
  const ids = (versions: { id: string }[]) => versions.map((v) => v.id);

  it('finds by token with a total, sorted by _id by default', async () => {
    const result = await search('Observation', 'code=http://loinc.org|8480-6');
    assert.deepEqual(ids(result.matches), ['o1', 'o2']);
    assert.equal(result.total, 2);
  });

  it('sorts and pages, counting the total beyond the page', async () => {
    const result = await search('Patient', '_sort=-birthdate&_count=2');
    assert.deepEqual(ids(result.matches), ['p3', 'p2']);
    assert.equal(result.total, 3);
    const next = await search('Patient', '_sort=-birthdate&_count=2&_offset=2');
    assert.deepEqual(ids(next.matches), ['p1']);
  });

  it('answers _summary=count with the total only', async () => {
    const result = await search('Patient', 'gender=female&_summary=count');
    assert.deepEqual(result.matches, []);
    assert.equal(result.total, 2);
  });

  it('resolves chains, to any depth', async () => {
    assert.deepEqual(ids((await search('Observation', 'subject:Patient.gender=female')).matches), ['o1', 'o3']);
    assert.deepEqual(ids((await search('Observation', 'subject:Patient.organization.name=acme')).matches), ['o1']);
  });

  it('resolves _has, nested', async () => {
    assert.deepEqual(ids((await search('Patient', '_has:Observation:patient:code=8867-4')).matches), ['p3']);
    assert.deepEqual(ids((await search('Patient', '_has:Observation:patient:_has:Provenance:target:agent=Organization/acme')).matches), ['p1']);
  });

  it('includes and reverse-includes, with :iterate', async () => {
    const result = await search('Observation', '_id=o1&_include=Observation:subject&_revinclude=Provenance:target');
    assert.deepEqual(ids(result.included).sort(), ['p1', 'prov1']);
    const iterated = await search('Observation', '_id=o1&_include=Observation:patient&_include:iterate=Patient:organization');
    assert.deepEqual(ids(iterated.included).sort(), ['acme', 'p1']);
    const all = await search('Observation', '_id=o2&_include=*');
    assert.deepEqual(ids(all.included), ['p2']);
  });

  it('searches across types with _type', async () => {
    const result = await search(undefined, '_type=Patient,Organization&_count=10');
    assert.deepEqual(ids(result.matches).sort(), ['acme', 'p1', 'p2', 'p3']);
  });
});
