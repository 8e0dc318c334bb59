/**
 * The synthetic patient generator: deterministic output, valid FHIR R4, site profiles that differ, and lab values
 * that follow the conditions (the signal an analysis must be able to find).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Condition, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { generateSeedSet } from '../seed/generator/generate.ts';
import { generatePatient } from '../seed/generator/patient-history.ts';
import { DEMO_PROFILES, loadSeedProfile, SeedProfileError, type SeedProfile } from '../seed/generator/profile.ts';
import { parseSeedArgs } from '../server/commands/seed-command.ts';
import { ConfigError } from '../server/config/site-config.ts';
import { hasErrors, validateResource } from '../server/validation/validate.ts';

const profiles = Object.fromEntries(DEMO_PROFILES.map((name) => [name, loadSeedProfile(name)])) as Record<string, SeedProfile>;

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'vitrine-seed-'));
}

async function readAll(dir: string): Promise<Record<string, string>> {
  const files = (await readdir(dir)).sort();
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, await readFile(path.join(dir, f), 'utf8')] as const)));
}

describe('seed generator: determinism', () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  for (const format of ['bundle', 'ndjson'] as const) {
    it(`writes identical ${format} files for the same seed and profile, and different ones for another seed`, async () => {
      const [one, two, other] = await Promise.all([tempDir(), tempDir(), tempDir()]);
      dirs.push(one, two, other);
      const options = { patients: 12, profile: profiles['urban-academic'], format };
      const manifest = await generateSeedSet({ ...options, seed: '7', out: one });
      await generateSeedSet({ ...options, seed: '7', out: two });
      await generateSeedSet({ ...options, seed: '8', out: other });
      const first = await readAll(one);
      assert.deepEqual(await readAll(two), first);
      assert.notDeepEqual(await readAll(other), first);
      assert.equal(manifest.patients, 12);
      assert.equal(manifest.resources.Patient, 12);
      if (format === 'ndjson') assert.ok(first['Observation.ndjson'].split('\n').length > 100);
      else assert.equal(Object.keys(first).filter((f) => f.startsWith('patient-')).length, 12);
    });
  }

  it('gives patient i the same record whatever the number of patients generated', () => {
    const profile = profiles['rural-network'];
    assert.deepEqual(generatePatient('3', profile, 5, 'relative'), generatePatient('3', profile, 5, 'relative'));
    assert.notDeepEqual(generatePatient('3', profile, 5, 'relative'), generatePatient('3', profile, 6, 'relative'));
  });

  it('regenerates the committed seeded sets byte for byte', async () => {
    for (const name of DEMO_PROFILES) {
      const committed = path.join(import.meta.dirname, '..', 'seed', 'sets', name);
      const expected = await readAll(committed);
      const manifest = JSON.parse(expected['manifest.json']) as { patients: number; seed: string; format: 'bundle' };
      const out = await tempDir();
      dirs.push(out);
      await generateSeedSet({ patients: manifest.patients, seed: manifest.seed, format: manifest.format, profile: profiles[name], out });
      assert.deepEqual(await readAll(out), expected, `seed/sets/${name} differs from what the generator makes now: regenerate it (see seed/README.md)`);
    }
  });
});

describe('seed generator: valid FHIR R4', () => {
  it('makes resources that all pass the project validator, in every profile', () => {
    for (const [name, profile] of Object.entries(profiles)) {
      const types = new Set<string>();
      for (let i = 0; i < 25; i++) {
        for (const { resource } of generatePatient('validate', profile, i, 'urn:uuid')) {
          types.add(resource.resourceType);
          const issues = validateResource(resource);
          assert.ok(!hasErrors(issues), `${name} ${resource.resourceType}: ${JSON.stringify(issues.filter((x) => x.severity === 'error'))}`);
        }
      }
      for (const type of ['Patient', 'Encounter', 'Condition', 'Observation', 'MedicationRequest', 'Procedure', 'Immunization', 'DiagnosticReport', 'ImagingStudy']) {
        assert.ok(types.has(type), `${name} made no ${type}`);
      }
    }
  });

  it('gives each patient identifying data for ingest to remove, some in restricted 3-digit ZIP areas', () => {
    const profile = profiles['rural-network'];
    const patients = Array.from({ length: 200 }, (_, i) => generatePatient('ids', profile, i, 'relative')[0].resource as Patient);
    for (const p of patients) {
      assert.ok(p.name?.[0]?.family && p.telecom?.[0]?.value && p.address?.[0]?.line?.[0] && p.address[0].postalCode?.length === 5);
      assert.ok(p.identifier?.some((id) => id.system === profile.mrnSystem && id.value));
      assert.match(p.birthDate ?? '', /^\d{4}-\d{2}-\d{2}$/);
    }
    const restricted = patients.filter((p) => profile.address.restrictedZip3.includes(p.address![0].postalCode!.slice(0, 3)));
    assert.ok(restricted.length > 10, `only ${restricted.length} of 200 in restricted ZIP areas`);
    assert.ok(patients.some((p) => p.deceasedDateTime), 'nobody died');
  });
});

/** Per patient: the conditions recorded and the mean of each lab value. */
function summarise(resources: Resource[]): { conditions: Set<string>; values: Map<string, number[]> } {
  const conditions = new Set<string>();
  const values = new Map<string, number[]>();
  for (const r of resources) {
    if (r.resourceType === 'Condition') conditions.add((r as Condition).code!.coding![0].code!);
    if (r.resourceType === 'Observation') {
      const o = r as Observation;
      const code = o.code.coding![0].code!;
      const value = o.valueQuantity?.value ?? o.component?.[0].valueQuantity?.value;
      if (value !== undefined) values.set(code, [...(values.get(code) ?? []), value]);
    }
  }
  return { conditions, values };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('seed generator: realistic, correlated, site-specific', () => {
  const CONDITIONS = { diabetes: '44054006', hypertension: '38341003', ckd: '709044004', asthma: '195967001', copd: '13645005', heartFailure: '84114007', depression: '35489007', adhd: '406506008', cancer: 'cancer' };
  const CANCERS = ['254837009', '363358000', '399068003', '363406005'];
  const N = 1000;
  const prevalence: Record<string, Record<string, number>> = {};
  const ages: Record<string, number> = {};

  before(function () {
    this.timeout(120_000);
    for (const [name, profile] of Object.entries(profiles)) {
      const counts: Record<string, number> = {};
      let ageSum = 0;
      for (let i = 0; i < N; i++) {
        const resources = generatePatient('prevalence', { ...profile, historyYears: 1 }, i, 'relative').map((g) => g.resource);
        const patient = resources[0] as Patient;
        ageSum += 2025 - Number(patient.birthDate!.slice(0, 4));
        const { conditions } = summarise(resources);
        for (const [key, code] of Object.entries(CONDITIONS)) {
          if (code === 'cancer' ? CANCERS.some((c) => conditions.has(c)) : conditions.has(code)) counts[key] = (counts[key] ?? 0) + 1;
        }
      }
      prevalence[name] = Object.fromEntries(Object.keys(CONDITIONS).map((k) => [k, (100 * (counts[k] ?? 0)) / N]));
      ages[name] = ageSum / N;
    }
    const header = ['condition (% of patients)', ...Object.keys(profiles)];
    const rows = [...Object.keys(CONDITIONS).map((k) => [k, ...Object.keys(profiles).map((p) => prevalence[p][k].toFixed(1))]), ['mean age', ...Object.keys(profiles).map((p) => ages[p].toFixed(1))]];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `      ${cells.map((c, i) => c.padEnd(widths[i])).join('  ')}`;
    console.log(`\n      Prevalence per site profile (${N} patients each, seed "prevalence"):\n${[header, ...rows].map(line).join('\n')}\n`);
  });

  it('gives the sites visibly different populations', () => {
    assert.ok(ages['urban-academic'] > ages['community-paediatric'] + 15, 'urban academic patients are older');
    assert.ok(prevalence['urban-academic'].heartFailure > 2 * prevalence['community-paediatric'].heartFailure);
    assert.ok(prevalence['urban-academic'].cancer > 2 * prevalence['community-paediatric'].cancer);
    assert.ok(prevalence['rural-network'].copd > 1.5 * prevalence['community-paediatric'].copd);
    assert.ok(prevalence['rural-network'].diabetes > prevalence['community-paediatric'].diabetes + 5);
    assert.ok(prevalence['community-paediatric'].asthma > 1.3 * prevalence['urban-academic'].asthma);
    assert.ok(prevalence['community-paediatric'].adhd > 2 * prevalence['urban-academic'].adhd);
  });

  it('makes lab values and vitals follow the conditions', () => {
    const groups = { a1c: [[], []], egfr: [[], []], sbp: [[], []], bnp: [[], []] } as Record<string, [number[], number[]]>;
    for (let i = 0; i < 600; i++) {
      const { conditions, values } = summarise(generatePatient('labs', profiles['urban-academic'], i, 'relative').map((g) => g.resource));
      const add = (group: string, has: boolean, loinc: string) => values.has(loinc) && groups[group][has ? 1 : 0].push(mean(values.get(loinc)!));
      add('a1c', conditions.has(CONDITIONS.diabetes), '4548-4');
      add('egfr', conditions.has(CONDITIONS.ckd), '33914-3');
      add('sbp', conditions.has(CONDITIONS.hypertension), '85354-9');
      add('bnp', conditions.has(CONDITIONS.heartFailure), '33762-6');
    }
    const [a1cWithout, a1cWith] = groups.a1c.map(mean);
    const [egfrWithout, egfrWith] = groups.egfr.map(mean);
    const [sbpWithout, sbpWith] = groups.sbp.map(mean);
    assert.ok(a1cWith > a1cWithout + 1.2, `HbA1c ${a1cWith} with diabetes vs ${a1cWithout} without`);
    assert.ok(a1cWith > 6.5 && a1cWithout < 6.0);
    assert.ok(egfrWith < egfrWithout - 20 && egfrWith < 60, `eGFR ${egfrWith} with CKD vs ${egfrWithout} without`);
    assert.ok(sbpWith > sbpWithout + 12, `systolic ${sbpWith} with hypertension vs ${sbpWithout} without`);
    assert.ok(groups.bnp[1].length > 0 && mean(groups.bnp[1]) > 3 * mean(groups.bnp[0].length ? groups.bnp[0] : [1]));
  });
});

describe('vitrine seed generate: arguments', () => {
  it('reads the options and fills the defaults', () => {
    assert.deepEqual(parseSeedArgs(['--patients', '5', '--seed', 'x', '--out', 'o']), { patients: 5, seed: 'x', profile: 'urban-academic', format: 'bundle', out: 'o' });
  });

  it('refuses bad values with a message naming the option', () => {
    assert.throws(() => parseSeedArgs(['--patients', '0', '--out', 'o']), (e: Error) => e instanceof ConfigError && /--patients/.test(e.message));
    assert.throws(() => parseSeedArgs(['--format', 'csv', '--out', 'o']), (e: Error) => e instanceof ConfigError && /--format/.test(e.message));
    assert.throws(() => parseSeedArgs(['--patients', '3']), (e: Error) => e instanceof ConfigError && /--out/.test(e.message));
    assert.throws(() => parseSeedArgs(['--nope']), ConfigError);
  });

  it('refuses an unknown or invalid profile', () => {
    assert.throws(() => loadSeedProfile('no-such-profile'), SeedProfileError);
    assert.throws(() => loadSeedProfile(path.join(import.meta.dirname, '..', 'package.json')), (e: Error) => e instanceof SeedProfileError && /Invalid seed profile/.test(e.message));
  });
});

