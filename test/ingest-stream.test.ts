/** Large Bundle files are streamed entry by entry (two passes) and give the same result as a Bundle read whole. */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createDeidentifier } from '../server/deid/engine.ts';
import { withDeidentifiedProfiles } from '../server/deid/deidentified-profiles.ts';
import { loadRuleSet } from '../server/deid/rule-set.ts';
import { defaultPipeline } from '../server/fhir/default-pipeline.ts';
import { BundleEntryScanner } from '../server/ingest/bundle-stream.ts';
import { StoreTarget } from '../server/ingest/ingest-targets.ts';
import { readSources, type SourceUnit } from '../server/ingest/read-sources.ts';
import { generateSeedSet } from '../seed/generator/generate.ts';
import { loadSeedProfile } from '../seed/generator/profile.ts';
import { runIngest } from '../server/ingest/run-ingest.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';

const KEY = Buffer.from('stream-test-key-0123456789abcdef');

function scan(text: string, chunkSize: number): { header: Record<string, unknown>; entries: unknown[] } {
  const entries: unknown[] = [];
  const scanner = new BundleEntryScanner((e) => entries.push(e));
  for (let i = 0; i < text.length; i += chunkSize) scanner.write(text.slice(i, i + chunkSize));
  scanner.end();
  return { header: scanner.header, entries };
}

/** A transaction of `patients` patients, each with an observation whose subject is the patient's urn:uuid fullUrl. */
function transaction(patients: number): Bundle {
  const entry: BundleEntry[] = [];
  for (let i = 0; i < patients; i++) {
    const urn = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    entry.push({ fullUrl: urn, resource: { resourceType: 'Patient', name: [{ family: `Stream"{[${i}` }], gender: 'male', birthDate: '1970-01-02' }, request: { method: 'POST', url: 'Patient' } });
  }
  for (let i = 0; i < patients; i++) {
    const urn = `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    entry.push({ fullUrl: `urn:uuid:10000000-0000-4000-8000-${String(i).padStart(12, '0')}`, resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: urn } }, request: { method: 'POST', url: 'Observation' } });
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

describe('streamed Bundles', () => {
  it('the scanner yields every entry and the other members whatever the chunk boundaries (strings with quotes, braces, escapes)', () => {
    const bundle = { resourceType: 'Bundle', id: 'b\\"1', type: 'collection', meta: { tag: [{ code: '}]' }] }, entry: [{ resource: { resourceType: 'Basic', id: 'a', code: { text: 'say "hi" {ok} [x] \\ é \u2028' } } }, { fullUrl: 'x' }, {}], total: 3 };
    const text = JSON.stringify(bundle, null, 1);
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const { header, entries } = scan(text, size);
      assert.deepEqual(entries, bundle.entry, `chunks of ${size}`);
      assert.deepEqual(header, { resourceType: 'Bundle', id: 'b\\"1', type: 'collection', meta: bundle.meta, total: 3 });
    }
    assert.deepEqual(scan('{"resourceType":"Bundle","entry":[]}', 5).entries, []);
  });

  for (const [what, text] of [['a truncated document', '{"resourceType":"Bundle","entry":[{"a":1}'], ['an array', '[1,2]'], ['a broken entry', '{"entry":[{"a":}]}']]) {
    it(`the scanner refuses ${what}`, () => assert.throws(() => scan(text, 4)));
  }

  it('a large Bundle streamed (plain and .gz) gives what the same Bundle read whole gives: references resolve across units', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-stream-'));
    try {
      const bundle = transaction(600); // 1,200 entries: the observations' subjects lie in other units
      await writeFile(path.join(dir, 'big.json'), JSON.stringify(bundle));
      await writeFile(path.join(dir, 'big.json.gz'), gzipSync(JSON.stringify(bundle)));
      const storedFrom = async (file: string, wholeFileBytes: number) => {
        const store = new EmbeddedStore({ dir: path.join(dir, `store-${path.basename(file)}-${wholeFileBytes}`) });
        await store.open();
        try {
          const options = { deidentifier: createDeidentifier(loadRuleSet('safe-harbor'), KEY), key: KEY, target: new StoreTarget(store, withDeidentifiedProfiles(defaultPipeline)) };
          const summary = await runIngest(readSources([path.join(dir, file)], { wholeFileBytes }), options);
          const observations = await store.find({ filter: { type: 'Observation', deleted: false } });
          return { summary, subjects: observations.map((o) => JSON.parse(o.json).subject.reference as string).sort() };
        } finally {
          await store.close();
        }
      };
      const whole = await storedFrom('big.json', Infinity);
      assert.equal(whole.summary.totals.written, 1200);
      for (const file of ['big.json', 'big.json.gz']) {
        const streamed = await storedFrom(file, 0);
        assert.equal(streamed.summary.totals.refused, 0, JSON.stringify(streamed.summary.reasons));
        assert.equal(streamed.summary.totals.written, 1200);
        assert.deepEqual(streamed.subjects, whole.subjects);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a large file that is not a Bundle, or not JSON, is one refusal with the reason', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-stream-'));
    try {
      await writeFile(path.join(dir, 'patient.json'), JSON.stringify({ resourceType: 'Patient', id: 'x' }));
      await writeFile(path.join(dir, 'broken.json'), '{"resourceType":"Bundle","entry":[{"resource":');
      const problems: string[] = [];
      for await (const unit of readSources([dir], { wholeFileBytes: 0 })) problems.push(...unit.problems);
      assert.equal(problems.length, 2);
      assert.match(problems.join('\n'), /broken\.json: not readable JSON/);
      assert.match(problems.join('\n'), /patient\.json: a large JSON file must be a Bundle \(it holds a Patient\)/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('reading a directory', () => {
  it('reads every patient file `vitrine seed generate` wrote and leaves its manifest.json out', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-read-dir-'));
    try {
      const manifest = await generateSeedSet({ patients: 3, seed: 'read-dir', profile: loadSeedProfile('rural-network'), format: 'bundle', out: dir });
      const units: SourceUnit[] = [];
      for await (const unit of readSources([dir])) units.push(unit);
      assert.deepEqual(units.map((u) => path.basename(u.source)), ['patient-000000.json', 'patient-000001.json', 'patient-000002.json']);
      assert.equal(units.reduce((n, u) => n + u.entries.length, 0), manifest.totalResources);
      assert.ok(units.every((u) => u.problems.length === 0));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
