/**
 * The demo's first-start seeding: each site's data directory is filled with its profile's patients, with no
 * direct identifiers served; a later start reuses the data; several sites seed in worker threads.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { loadSeedProfile } from '../seed/generator/profile.ts';
import { demoBanner, DEMO_SITES, demoSeedingFromEnv } from '../server/demo.ts';
import { SEED_MARKER, seedSite } from '../server/demo-seed.ts';
import { isSeeded, seedSitesInParallel } from '../server/demo-seed-parallel.ts';
import type { RunningSite } from '../server/site.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';

/** The stored current resources of a type, read straight from the site's data directory. */
async function storedResources<T>(dir: string, type: string, extra: Record<string, unknown> = {}): Promise<T[]> {
  const store = new EmbeddedStore({ dir });
  await store.open();
  try {
    return (await store.find({ filter: { type, deleted: false, ...extra } })).map((v) => JSON.parse(v.json) as T);
  } finally {
    await store.close();
  }
}

describe('demo seeding', function () {
  // Generating, de-identifying and indexing thousands of resources (and starting workers) takes a while on 2 cores.
  this.timeout(180_000);
  let root: string;
  beforeEach(async () => (root = await mkdtemp(path.join(tmpdir(), 'vitrine-demo-'))));
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it('ingests through de-identification: no names, addresses, phones, MRNs or exact birth dates are stored', async () => {
    const dir = path.join(root, 'site-a');
    const result = await seedSite(dir, loadSeedProfile('rural-network'), 40, { historyYears: 1 });
    assert.equal(result.seeded, true);
    assert.equal(result.patients, 40);
    assert.equal(result.refused, 0);
    assert.equal(result.stored, result.resources);
    assert.ok(!existsSync(path.join(dir, `${path.basename(dir)}.deid-key`)), 'the key is not kept with the data');
    assert.ok(existsSync(`${dir}.deid-key`));
    const patients = await storedResources<Patient>(dir, 'Patient');
    assert.equal(patients.length, 40);
    for (const p of patients) {
      assert.equal(p.name, undefined);
      assert.equal(p.telecom, undefined);
      assert.ok((p.identifier ?? []).every((id) => /^[0-9a-f]{64}$/.test(id.value ?? '')), `identifiers are pseudonyms: ${JSON.stringify(p.identifier)}`);
      assert.ok(!p.address?.some((a) => a.line || a.city), JSON.stringify(p.address));
      assert.ok(p.address!.every((a) => a.postalCode?.length === 3));
      assert.match(p.birthDate ?? '', /^\d{4}$/);
      assert.ok(!p.deceasedDateTime || /^\d{4}$/.test(p.deceasedDateTime));
    }
    const restricted = loadSeedProfile('rural-network').address.restrictedZip3;
    assert.ok(!patients.some((p) => restricted.includes(p.address![0].postalCode!)), 'restricted 3-digit ZIP areas are not kept');
    const observations = await storedResources(dir, 'Observation', { ref: `subject|Patient/${patients[0].id}` });
    assert.ok(observations.length > 0, 'observations reference the stored patient');
  });

  it('reuses a seeded data directory on a later start', async () => {
    const dir = path.join(root, 'site-b');
    const first = await seedSite(dir, loadSeedProfile('community-paediatric'), 10, { historyYears: 1 });
    const second = await seedSite(dir, loadSeedProfile('community-paediatric'), 10, { historyYears: 1 });
    assert.equal(second.seeded, false);
    assert.equal(second.resources, first.resources);
    assert.equal((await storedResources(dir, 'Patient')).length, 10);
    const store = new EmbeddedStore({ dir });
    await store.open();
    const history = await store.history({ type: 'Patient', limit: 100 });
    await store.close();
    assert.equal(history.total, 10, 'no second version was written');
  });

  it('seeds several sites in worker threads, each with its own profile', async () => {
    const jobs = DEMO_SITES.slice(0, 2).map((s) => ({ dataDir: path.join(root, s.name), profile: s.profile, patients: 15, seed: 's', historyYears: 1 }));
    const ticks: number[] = [];
    const results = await seedSitesInParallel(jobs, { tick: (n) => ticks.push(n), finish() {} }, 2);
    assert.deepEqual(results.map((r) => [r.profile, r.patients, r.seeded]), [['urban-academic', 15, true], ['rural-network', 15, true]]);
    assert.ok(jobs.every((j) => isSeeded(j.dataDir) && existsSync(path.join(j.dataDir, SEED_MARKER))));
    assert.equal(Math.max(...ticks), 30);
  });
});

describe('demo start', () => {
  it('prints the URLs, how to get a token and three example requests', () => {
    const sites = DEMO_SITES.map((s) => ({ url: `http://127.0.0.1:${s.port}/fhir`, config: { name: s.name, dataDir: `/d/${s.name}` } }) as unknown as RunningSite);
    const text = demoBanner(sites).join('\n');
    for (const s of DEMO_SITES) assert.ok(text.includes(`http://127.0.0.1:${s.port}/fhir`));
    assert.match(text, /token/i);
    assert.equal(text.match(/^\s+curl /gm)?.length, 3);
  });

  it('reads the seeding size from the environment and refuses nonsense', () => {
    assert.deepEqual(demoSeedingFromEnv({}), { patients: 2000, historyYears: 1, seed: 'vitrine-demo' });
    assert.equal(demoSeedingFromEnv({ VITRINE_DEMO_PATIENTS: '0' }).patients, 0);
    assert.throws(() => demoSeedingFromEnv({ VITRINE_DEMO_PATIENTS: 'many' }), /VITRINE_DEMO_PATIENTS/);
    assert.throws(() => demoSeedingFromEnv({ VITRINE_DEMO_YEARS: '0' }), /VITRINE_DEMO_YEARS/);
  });
});
