/**
 * The Synthea bundles in ../shared/data/synthea-r4 ingested through safe-harbor into a fresh data dir: none of the
 * names, streets, cities, phones, MRN/SSN/licence numbers or full birth dates of the source may be found in the
 * stored files, and ingesting the same files again adds no resource.
 */
import type { Bundle } from '@medplum/fhirtypes';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createDeidentifier } from '../server/deid/engine.ts';
import { withDeidentifiedProfiles } from '../server/deid/deidentified-profiles.ts';
import { loadRuleSet } from '../server/deid/rule-set.ts';
import { defaultPipeline } from '../server/fhir/default-pipeline.ts';
import { StoreTarget } from '../server/ingest/ingest-targets.ts';
import { readSources } from '../server/ingest/read-sources.ts';
import { runIngest } from '../server/ingest/run-ingest.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';

const BUNDLES = path.resolve(import.meta.dirname, '../../shared/data/synthea-r4/bundles');
const KEY = Buffer.from('synthea-test-key-0123456789abcdef');

/** Every identifying value of the source, as the checker of issue 3 lists them. */
function identifyingValues(): Set<string> {
  const values = new Set<string>();
  for (const file of readdirSync(BUNDLES).filter((f) => f.endsWith('.json.gz'))) {
    const bundle = JSON.parse(gunzipSync(readFileSync(path.join(BUNDLES, file))).toString('utf8')) as Bundle;
    for (const { resource } of bundle.entry ?? []) collect(resource, values);
  }
  return values;
}

function collect(node: unknown, values: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => collect(n, values));
  if (!node || typeof node !== 'object') return;
  const json = node as Record<string, unknown>;
  if (json.resourceType === 'Patient') {
    if (typeof json.birthDate === 'string') values.add(json.birthDate);
    for (const id of (json.identifier as { value?: string }[] | undefined) ?? []) if (id.value) values.add(id.value);
    for (const ext of (json.extension as { url: string; valueString?: string }[] | undefined) ?? []) if (ext.url.endsWith('mothersMaidenName') && ext.valueString) values.add(ext.valueString);
  }
  for (const name of (json.name as { family?: string; given?: string[] }[] | undefined) ?? []) {
    if (typeof name !== 'object') continue;
    if (name.family) values.add(name.family);
    for (const given of name.given ?? []) values.add(`${given} ${name.family ?? ''}`.trim());
  }
  for (const address of (json.address as { line?: string[]; city?: string }[] | undefined) ?? []) {
    for (const line of address.line ?? []) values.add(line);
    if (address.city) values.add(address.city);
  }
  for (const telecom of (json.telecom as { value?: string }[] | undefined) ?? []) if (telecom.value) values.add(telecom.value);
  for (const value of Object.values(json)) if (typeof value === 'object') collect(value, values);
}

describe('ingest of the Synthea bundles through safe-harbor', function () {
  this.timeout(600_000);
  let dir: string;

  before(async function () {
    if (!existsSync(BUNDLES)) {
      console.log(`    (skipped: ${BUNDLES} is absent)`);
      this.skip();
    }
    dir = await mkdtemp(path.join(tmpdir(), 'vitrine-ingest-'));
  });
  after(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ingestOnce = async () => {
    const store = new EmbeddedStore({ dir });
    await store.open();
    try {
      const summary = await runIngest(readSources([BUNDLES]), {
        deidentifier: createDeidentifier(loadRuleSet('safe-harbor'), KEY),
        key: KEY,
        target: new StoreTarget(store, withDeidentifiedProfiles(defaultPipeline)),
      });
      const count = await store.count({ deleted: false });
      return { summary, count };
    } finally {
      await store.close();
    }
  };

  it('stores every resource with none of the source identifiers, and a second ingest adds nothing', async () => {
    const first = await ingestOnce();
    assert.equal(first.summary.totals.refused, 0, JSON.stringify(first.summary.reasons));
    assert.equal(first.summary.byType.Patient.written, 75);
    // Organizations and Practitioners recur in many bundles: stored once each
    assert.equal(first.count, first.summary.totals.written);

    // Every string the data dir holds (journal and snapshot), once each; long values are also sought inside them.
    const strings = new Set<string>();
    for (const f of readdirSync(dir)) for (const m of readFileSync(path.join(dir, f), 'utf8').matchAll(/"((?:[^"\\]|\\.)*)"/g)) strings.add(m[1]);
    const text = [...strings].join('\n');
    const leaks = [...identifyingValues()].filter((v) => v.length >= 3 && (strings.has(v) || (v.length >= 8 && text.includes(v))));
    assert.deepEqual(leaks, []);

    const second = await ingestOnce();
    assert.equal(second.count, first.count);
    assert.equal(second.summary.totals.written, 0);
    assert.equal(second.summary.totals.unchanged, first.summary.totals.read);
  });
});
