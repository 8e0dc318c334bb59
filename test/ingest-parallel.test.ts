/** The parallel ingest (worker threads prepare, the main thread commits) stores what the one-thread ingest stores. */
import type { Resource } from '@medplum/fhirtypes';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createDeidentifier } from '../server/deid/engine.ts';
import { withDeidentifiedProfiles } from '../server/deid/deidentified-profiles.ts';
import { loadRuleSet } from '../server/deid/rule-set.ts';
import { defaultPipeline } from '../server/fhir/default-pipeline.ts';
import { StoreTarget } from '../server/ingest/ingest-targets.ts';
import { runParallelIngest } from '../server/ingest/parallel-ingest.ts';
import { PreparePool } from '../server/ingest/prepare-pool.ts';
import { planSources, readSources, type SourceUnit } from '../server/ingest/read-sources.ts';
import { runIngest } from '../server/ingest/run-ingest.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';

const KEY = Buffer.from('parallel-test-key-0123456789abcdef');

function units(): SourceUnit[] {
  const out: SourceUnit[] = [];
  for (let i = 0; i < 40; i++) {
    const entries: Resource[] = [
      { resourceType: 'Patient', id: `p${i}`, name: [{ family: `Parallelo${i}` }], gender: i % 2 ? 'male' : 'female', birthDate: `19${40 + i}-03-0${1 + (i % 9)}`, address: [{ line: ['1 Elm'], postalCode: '03601' }] },
      { resourceType: 'Organization', id: 'shared-org', name: 'General Hospital of Somewhere', identifier: [{ system: 'urn:npi', value: '1234567890' }] },
      { resourceType: 'Observation', id: `o${i}`, status: 'final', code: { text: 'hr' }, subject: { reference: `Patient/p${i}` }, performer: [{ reference: 'Organization/shared-org' }], effectiveDateTime: '2021-05-06T07:08:09Z' },
      { resourceType: 'Observation', status: 'final', code: { text: 'no id' } } as Resource,
    ];
    out.push({ source: `bundle ${i}`, entries: entries.map((resource) => ({ resource })), problems: i === 3 ? ['bundle 3: not readable JSON'] : [] });
  }
  return out;
}

/** Input files of every kind: Bundles, a large Bundle (streamed), ndjson plain and .gz with a bad line, unreadable JSON. */
async function writeInputFiles(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const bundle = (from: number, to: number) => {
    const entry = [];
    for (let i = from; i < to; i++) {
      const urn = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      entry.push({ fullUrl: urn, resource: { resourceType: 'Patient', name: [{ family: `Filed${i}` }], gender: 'female', birthDate: '1961-02-03' } });
      entry.push({ resource: { resourceType: 'Observation', id: `fo${i}`, status: 'final', code: { text: 'hr' }, subject: { reference: urn } } });
    }
    return JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry });
  };
  for (let f = 0; f < 12; f++) await writeFile(path.join(dir, `bundle-${String(f).padStart(2, '0')}.json`), bundle(f * 5, f * 5 + 5));
  await writeFile(path.join(dir, 'large.json'), bundle(100, 400));
  const lines = (from: number) => Array.from({ length: 30 }, (_, i) => JSON.stringify({ resourceType: 'Patient', id: `nd${from + i}`, name: [{ family: 'Lined' }] }));
  await writeFile(path.join(dir, 'patients.ndjson'), [...lines(0), '{not json', ''].join('\n'));
  await writeFile(path.join(dir, 'more.ndjson.gz'), gzipSync(lines(100).join('\r\n')));
  await writeFile(path.join(dir, 'broken.json'), '{"resourceType": "Bundle", "entry": [');
}

async function storedByKey(store: EmbeddedStore): Promise<Map<string, string>> {
  const versions = await store.find({ filter: { deleted: false } });
  return new Map(versions.map((v) => [`${v.type}/${v.id}`, v.json.replace(/"lastUpdated":"[^"]*"/, '')]));
}

describe('parallel ingest', () => {
  let dir: string;
  let single: EmbeddedStore;
  let parallel: EmbeddedStore;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vitrine-parallel-'));
    single = new EmbeddedStore({ dir: path.join(dir, 'single') });
    parallel = new EmbeddedStore({ dir: path.join(dir, 'parallel') });
    await single.open();
    await parallel.open();
  });
  after(async () => {
    await single.close();
    await parallel.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores the same documents and gives the same summary as the one-thread ingest', async () => {
    const one = await runIngest(units(), { deidentifier: createDeidentifier(loadRuleSet('safe-harbor'), KEY), key: KEY, target: new StoreTarget(single, withDeidentifiedProfiles(defaultPipeline)) });
    const many = await runParallelIngest(units(), { rules: 'safe-harbor', key: KEY, store: parallel, workers: 2, batchSize: 50 });
    assert.deepEqual({ ...many, seconds: 0 }, { ...one, seconds: 0 });
    assert.equal(many.totals.written, 81); // 40 patients, 40 observations, the shared organization once
    assert.equal(many.byType.Organization.unchanged, 39);
    assert.equal(many.totals.refused, 41); // 40 without an id, one unreadable bundle
    assert.deepEqual(await storedByKey(parallel), await storedByKey(single));
    assert.ok(![...(await storedByKey(parallel)).values()].some((json) => json.includes('Parallelo') || json.includes('Elm')));
  });

  it('input files read by the workers (and a large Bundle streamed by the main thread) give what the one-thread ingest gives', async () => {
    const input = path.join(dir, 'input');
    await writeInputFiles(input);
    const wholeFileBytes = 20_000; // large.json is streamed, in units sharing its index; every other file goes to a worker
    const stores = [new EmbeddedStore({ dir: path.join(dir, 'files-single') }), new EmbeddedStore({ dir: path.join(dir, 'files-parallel') })];
    await Promise.all(stores.map((s) => s.open()));
    try {
      const one = await runIngest(readSources([input], { wholeFileBytes }), { deidentifier: createDeidentifier(loadRuleSet('safe-harbor'), KEY), key: KEY, target: new StoreTarget(stores[0], withDeidentifiedProfiles(defaultPipeline)) });
      // The files come slowly, so the workers are loaded before the last ones: both they and this thread prepare.
      const slowly = async function* () {
        for await (const source of planSources([input], { wholeFileBytes })) {
          yield source;
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
      };
      const preparedBy = new Set<string>();
      const many = await runParallelIngest(slowly(), { rules: 'safe-harbor', key: KEY, store: stores[1], workers: 2, batchSize: 100, batchBytes: 3000, onDispatch: (by) => preparedBy.add(by) });
      assert.deepEqual([...preparedBy].sort(), ['main thread', 'worker']);
      assert.deepEqual({ ...many, seconds: 0 }, { ...one, seconds: 0 });
      assert.equal(many.totals.read, 120 + 600 + 60 + 2);
      assert.equal(many.totals.refused, 2); // the broken file and the line that is not JSON
      assert.deepEqual(await storedByKey(stores[1]), await storedByKey(stores[0]));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('with the derivation cache off, the workers load through tsx (no bundle) and store what the one-thread ingest stores', async () => {
    const saved = process.env.VITRINE_CACHE_DIR;
    process.env.VITRINE_CACHE_DIR = 'off';
    const stores = [new EmbeddedStore({ dir: path.join(dir, 'tsx-single') }), new EmbeddedStore({ dir: path.join(dir, 'tsx-parallel') })];
    await Promise.all(stores.map((s) => s.open()));
    try {
      const pool = await PreparePool.start(1, { rules: 'safe-harbor', key: new Uint8Array(KEY), now: new Date().toISOString(), serializeIndex: true });
      assert.equal(pool.bundle, undefined);
      await pool.close();
      const one = await runIngest(units(), { deidentifier: createDeidentifier(loadRuleSet('safe-harbor'), KEY), key: KEY, target: new StoreTarget(stores[0], withDeidentifiedProfiles(defaultPipeline)) });
      const many = await runParallelIngest(units(), { rules: 'safe-harbor', key: KEY, store: stores[1], workers: 1, batchSize: 50 });
      assert.deepEqual({ ...many, seconds: 0 }, { ...one, seconds: 0 });
      assert.deepEqual(await storedByKey(stores[1]), await storedByKey(stores[0]));
    } finally {
      if (saved === undefined) delete process.env.VITRINE_CACHE_DIR;
      else process.env.VITRINE_CACHE_DIR = saved;
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('a re-ingest, into either store, writes nothing', async () => {
    for (const store of [parallel, single]) {
      const again = await runParallelIngest(units(), { rules: 'safe-harbor', key: KEY, store, workers: 1 });
      assert.equal(again.totals.written, 0);
      assert.equal(again.totals.unchanged, 120);
    }
  });

  it('a worker that stops while loading stops the ingest at the next batch, with its reason', async () => {
    const pool = await PreparePool.start(1, { rules: path.join(dir, 'gone.json'), key: new Uint8Array(KEY), now: new Date().toISOString(), serializeIndex: false });
    try {
      const waitStarted = Date.now();
      await pool.whenLoaded(120_000); // the ingest's wait for the workers to load ends with the failure, not at its cap
      assert.ok(Date.now() - waitStarted < 60_000, 'the wait ended with the failure');
      const deadline = Date.now() + 15_000;
      let failure: unknown;
      while (failure === undefined && Date.now() < deadline) {
        try {
          pool.hasRoom(2);
          await new Promise((resolve) => setTimeout(resolve, 50));
        } catch (err) {
          failure = err;
        }
      }
      assert.match(String(failure), /Cannot read rules file/);
    } finally {
      await pool.close();
    }
  });

  it('a bad rules file stops before any worker starts', async () => {
    await assert.rejects(runParallelIngest(units(), { rules: path.join(dir, 'missing.json'), key: KEY, store: parallel }), /Cannot read rules file/);
  });
});
