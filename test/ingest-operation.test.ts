/** POST /fhir/$ingest: a loader's raw FHIR is de-identified by the site itself; nobody else may send it; nothing identifying is stored. */
import type { Bundle, Parameters, Resource } from '@medplum/fhirtypes';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeidKeyError } from '../server/deid/deid-key.ts';
import { defaultPipeline } from '../server/fhir/default-pipeline.ts';
import { loadSiteIngest, siteIngestFrom } from '../server/ingest/site-ingest.ts';
import { createTestSite, FHIR_JSON, type TestSite } from './support/test-site.ts';

const KEY = Buffer.from('ingest-operation-test-key-0123456789');
const NDJSON = 'application/fhir+ndjson';

const rawPatient: Resource = {
  resourceType: 'Patient', id: 'src-patient-1', name: [{ family: 'Zebulon', given: ['Quintessa'] }], gender: 'female', birthDate: '1961-07-23',
  telecom: [{ system: 'phone', value: '555-867-5309' }], address: [{ line: ['12 Larkspur Lane'], city: 'Fairhaven', state: 'MA', postalCode: '02719-1234' }],
  identifier: [{ system: 'http://hospital.example/mrn', value: 'MRN-778899' }],
};
const rawObservation: Resource = {
  resourceType: 'Observation', id: 'src-obs-1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: 'urn:uuid:11111111-2222-3333-4444-555555555555', display: 'Quintessa Zebulon' }, effectiveDateTime: '2020-03-04T10:30:00Z',
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
};
const transaction: Bundle = {
  resourceType: 'Bundle', type: 'transaction',
  entry: [
    { fullUrl: 'urn:uuid:11111111-2222-3333-4444-555555555555', resource: rawPatient, request: { method: 'PUT', url: 'Patient/src-patient-1' } },
    { fullUrl: 'urn:uuid:66666666-2222-3333-4444-555555555555', resource: rawObservation, request: { method: 'POST', url: 'Observation' } },
  ],
};
const IDENTIFYING = ['Zebulon', 'Quintessa', '555-867-5309', 'Larkspur', 'Fairhaven', '02719', 'MRN-778899', '1961-07-23', 'src-patient-1', 'src-obs-1'];

const valueOf = (p: Parameters, name: string) => p.parameter?.find((x) => x.name === name)?.valueInteger;
const typePart = (p: Parameters, type: string) => p.parameter?.find((x) => x.name === 'type' && x.part?.[0]?.valueString === type)?.part;

async function storedText(site: TestSite): Promise<string> {
  const versions = await site.store.find({ filter: { deleted: false } });
  return versions.map((v) => v.json).join('\n');
}

describe('POST /fhir/$ingest', () => {
  let site: TestSite;
  beforeEach(async () => (site = await createTestSite({ ingest: siteIngestFrom('safe-harbor', KEY, defaultPipeline) })));
  afterEach(() => site.close());

  it('de-identifies a loader\'s transaction Bundle: nothing identifying reaches the store, references follow the pseudonyms', async () => {
    const loader = await site.as({ scopes: 'system/*.cruds' });
    const res = await loader.post('/fhir/$ingest').set('content-type', FHIR_JSON).send(transaction).expect(200);
    const summary = res.body as Parameters;
    assert.equal(summary.resourceType, 'Parameters');
    assert.equal(valueOf(summary, 'read'), 2);
    assert.equal(valueOf(summary, 'written'), 2);
    assert.equal(valueOf(summary, 'refused'), 0);
    assert.equal(typePart(summary, 'Patient')?.find((p) => p.name === 'written')?.valueInteger, 1);
    const text = await storedText(site);
    for (const value of IDENTIFYING) assert.ok(!text.includes(value), `${value} was stored`);
    const patients = await site.store.find({ filter: { type: 'Patient', deleted: false } });
    assert.equal(patients.length, 1);
    const [observation] = await site.store.find({ filter: { type: 'Observation', deleted: false } });
    assert.equal(JSON.parse(observation.json).subject.reference, `Patient/${patients[0].id}`);
    assert.equal(JSON.parse(patients[0].json).birthDate, '1961');
  });

  it('takes bulk ndjson and counts an unreadable line as refused, with its reason', async () => {
    const loader = await site.as({ scopes: 'system/*.cru' }); // every operation needs r; $ingest adds c and u
    const body = `${JSON.stringify(rawPatient)}\n{not json\n${JSON.stringify({ ...rawObservation, subject: { reference: 'Patient/src-patient-1' } })}\n`;
    const res = await loader.post('/fhir/$ingest').set('content-type', NDJSON).send(body).expect(200);
    const summary = res.body as Parameters;
    assert.equal(valueOf(summary, 'written'), 2);
    assert.equal(valueOf(summary, 'refused'), 1);
    const reason = summary.parameter?.find((p) => p.name === 'refusal')?.part?.find((p) => p.name === 'reason')?.valueString;
    assert.match(reason ?? '', /ndjson:2: not valid JSON/);
    const text = await storedText(site);
    for (const value of IDENTIFYING) assert.ok(!text.includes(value), `${value} was stored`);
  });

  it('re-ingesting the same source updates nothing and duplicates nothing', async () => {
    const loader = await site.as({ scopes: 'system/*.cruds' });
    await loader.post('/fhir/$ingest').set('content-type', FHIR_JSON).send(transaction).expect(200);
    const again = await loader.post('/fhir/$ingest').set('content-type', FHIR_JSON).send(transaction).expect(200);
    assert.equal(valueOf(again.body, 'unchanged'), 2);
    assert.equal(valueOf(again.body, 'written'), 0);
    assert.equal(await site.store.count({ type: 'Patient', deleted: false }), 1);
  });

  it('refuses what the de-identified result still breaks (an unresolvable reference), naming it, and stores the rest', async () => {
    const loader = await site.as({ scopes: 'system/*.cruds' });
    const orphan = { ...rawObservation, id: 'src-obs-2', subject: { reference: 'urn:uuid:not-in-this-bundle' } };
    const bundle: Bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ resource: rawPatient }, { resource: orphan }] };
    const res = await loader.post('/fhir/$ingest').set('content-type', FHIR_JSON).send(bundle).expect(200);
    assert.equal(valueOf(res.body, 'written'), 1);
    assert.equal(typePart(res.body, 'Observation')?.find((p) => p.name === 'refused')?.valueInteger, 1);
    assert.match(JSON.stringify(res.body), /Unresolved reference/);
  });

  for (const [who, caller] of [
    ['a clinician (user/*.rs)', { scopes: 'user/*.rs' }],
    ['a user-context writer (user/*.cruds)', { scopes: 'user/*.cruds' }],
    ['a loader of one type only (system/Observation.cu)', { scopes: 'system/Observation.cu' }],
    ['a reader (system/*.rs)', { scopes: 'system/*.rs' }],
    ['a federation caller (aggregate)', { role: 'aggregate' as const, scopes: 'system/*.s' }],
  ] as const) {
    it(`answers 403 to ${who} and stores nothing`, async () => {
      const agent = await site.as(caller);
      const res = await agent.post('/fhir/$ingest').set('content-type', FHIR_JSON).send(transaction).expect(403);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.equal(await site.store.count({ deleted: false }), 0);
    });
  }

  it('answers 401 without a token', async () => {
    await site.anonymous.post('/fhir/$ingest').set('content-type', FHIR_JSON).send(transaction).expect(401);
  });

  it('refuses bodies that are not raw FHIR to ingest: 400 empty or a searchset, 415 another media type', async () => {
    const loader = await site.as({ scopes: 'system/*.cruds' });
    const empty = await loader.post('/fhir/$ingest').set('content-type', NDJSON).send('\n').expect(400);
    assert.equal(empty.body.resourceType, 'OperationOutcome');
    const searchset = await loader.post('/fhir/$ingest').set('content-type', FHIR_JSON).send({ resourceType: 'Bundle', type: 'searchset' }).expect(400);
    assert.match(searchset.body.issue[0].diagnostics, /transaction, batch or collection/);
    await loader.post('/fhir/$ingest').set('content-type', 'text/plain').send('hello').expect(415);
  });

  it('answers 501 on a site with no de-identification key configured', async () => {
    const bare = await createTestSite();
    try {
      const loader = await bare.as({ scopes: 'system/*.cruds' });
      const res = await loader.post('/fhir/$ingest').set('content-type', FHIR_JSON).send(transaction).expect(501);
      assert.match(res.body.issue[0].diagnostics, /deid\.keyFile/);
    } finally {
      await bare.close();
    }
  });
});

describe('the site\'s ingest config (deid: { rules, keyFile })', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(path.join(tmpdir(), 'vitrine-ingest-config-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads the key file once at start; none configured means no ingest', async () => {
    const keyFile = path.join(dir, 'site.deid-key');
    await writeFile(keyFile, `${KEY.toString('utf8')}\n`);
    const ingest = loadSiteIngest({ deid: { rules: 'limited-shift', keyFile }, dataDir: path.join(dir, 'data') }, defaultPipeline, {});
    assert.equal(ingest?.deidentifier.ruleSet.name, 'limited-shift');
    assert.deepEqual(ingest?.key, KEY);
    assert.equal(loadSiteIngest({ deid: { rules: 'safe-harbor' }, dataDir: path.join(dir, 'data') }, defaultPipeline, {}), undefined);
  });

  it('stops the site when the key lies inside the data directory, or cannot be read', async () => {
    const dataDir = path.join(dir, 'data');
    assert.throws(() => loadSiteIngest({ deid: { rules: 'safe-harbor', keyFile: path.join(dataDir, 'key') }, dataDir }, defaultPipeline, {}), (err: Error) => err instanceof DeidKeyError && /inside the data directory/.test(err.message));
    assert.throws(() => loadSiteIngest({ deid: { rules: 'safe-harbor', keyFile: path.join(dir, 'missing') }, dataDir }, defaultPipeline, {}), /Cannot read the de-identification key file/);
  });
});
