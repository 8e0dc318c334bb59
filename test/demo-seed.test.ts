/**
 * The demo's first-start seeding: each site's data directory is filled with its profile's patients, with no
 * direct identifiers served; a later start reuses the data; `vitrine demo` runs each site in its own thread.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { loadSeedProfile } from '../seed/generator/profile.ts';
import { DEMO_SECRET_CLIENTS } from '../server/auth/demo-clients.ts';
import { demoBanner, DEMO_SITES, demoSeedingFromEnv, runDemo } from '../server/demo.ts';
import { isSeeded, seedSite } from '../server/demo-seed.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { freePort } from '../server/http/listen.ts';

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

});


async function demoToken(url: string, clientId: string): Promise<string> {
  const client = DEMO_SECRET_CLIENTS.find((c) => c.clientId === clientId)!;
  const res = await fetch(`${url.replace(/\/fhir$/, '')}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: client.scope }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('vitrine demo', function () {
  this.timeout(180_000);
  let root: string;
  beforeEach(async () => (root = await mkdtemp(path.join(tmpdir(), 'vitrine-demo-'))));
  afterEach(async () => rm(root, { recursive: true, force: true }));

  it('starts three seeded sites (each in its own thread) and the hub; a second start reuses the data', async () => {
    const seeding = { patients: 12, historyYears: 1, seed: 's' };
    const ports = { hub: await freePort(), sites: [0, 0, 0] };
    const first = await runDemo({ dataRoot: root, seeding, ports });
    const patientCounts: number[] = [];
    try {
      assert.deepEqual(first.sites.map((s) => s.name), DEMO_SITES.map((s) => s.name));
      assert.ok(DEMO_SITES.every((s) => isSeeded(path.join(root, s.name))));
      for (const site of first.sites) {
        const token = await demoToken(site.url, 'demo-clinician');
        const res = await fetch(`${site.url}/Patient?_count=100`, { headers: { Authorization: `Bearer ${token}` } });
        assert.equal(res.status, 200);
        const patients = ((await res.json()) as Bundle<Patient>).entry!.map((e) => e.resource!);
        assert.equal(patients.length, 12);
        assert.ok(patients.every((p) => !p.name && !p.telecom && /^\d{4}$/.test(p.birthDate ?? '')), 'de-identified');
        patientCounts.push(patients.length);
      }
      const researcher = await demoToken(first.hub.url, 'demo-researcher');
      const federated = await fetch(`${first.hub.url}/Patient?_summary=count`, { headers: { Authorization: `Bearer ${researcher}` } });
      assert.equal(federated.status, 200, await federated.clone().text());
    } finally {
      await first.close();
    }
    const second = await runDemo({ dataRoot: root, seeding, ports });
    try {
      const token = await demoToken(second.sites[0].url, 'demo-admin');
      const history = await fetch(`${second.sites[0].url}/Patient/_history?_count=100`, { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(((await history.json()) as Bundle).entry?.length, patientCounts[0], 'the data was reused: no second version of any patient');
    } finally {
      await second.close();
    }
  });
});

describe('demo start', () => {
  it('prints the URLs, how to get a token and three example requests', () => {
    const sites = DEMO_SITES.map((s) => ({ name: s.name, profile: s.profile, url: `http://127.0.0.1:${s.port}/fhir`, dataDir: `/d/${s.name}` }));
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
