/**
 * Seeds a demo site's data directory on first start: generates the site profile's synthetic (identified) patients
 * and ingests them through the de-identification pipeline (`server/ingest/`: Safe Harbor rules, keyed pseudonyms,
 * validation against the de-identified profiles, index, store), as `vitrine ingest` would. Later starts find the
 * marker file and reuse the data.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatePatients } from '../seed/generator/generate.ts';
import type { SeedProfile } from '../seed/generator/profile.ts';
import { SILENT_PROGRESS, type Progress } from '../seed/generator/progress.ts';
import { ensureDeidKeyFile, loadDeidKey } from './deid/deid-key.ts';
import { withDeidentifiedProfiles } from './deid/deidentified-profiles.ts';
import { createDeidentifier } from './deid/engine.ts';
import { loadRuleSet } from './deid/rule-set.ts';
import { defaultPipeline } from './fhir/default-pipeline.ts';
import { lockDataDir } from './ingest/data-dir-lock.ts';
import { StoreTarget } from './ingest/ingest-targets.ts';
import type { SourceUnit } from './ingest/read-sources.ts';
import { runIngest } from './ingest/run-ingest.ts';
import { EmbeddedStore } from './store/embedded/embedded-store.ts';
import type { Store } from './store/types.ts';

export const SEED_MARKER = 'demo-seed.json';

export interface SeedSiteOptions {
  seed?: string;
  /** Years of history per patient (the profile's own value by default); fewer years load faster. */
  historyYears?: number;
  /** The site's de-identification key file, created when missing; by default beside (never inside) the data dir. */
  keyFile?: string;
  /** De-identification rule set: a name from profiles/deid/ or a file. */
  rules?: string;
  progress?: Progress;
}

export interface SeedSiteResult {
  /** False when the data directory was already seeded and was reused as it is. */
  seeded: boolean;
  patients: number;
  /** Resources generated. */
  resources: number;
  /** Resources stored after de-identification (the rest were refused; see `refused`). */
  stored: number;
  refused: number;
  profile: string;
}

/** Generates `patients` patients of `profile` and ingests them into the site's data directory, unless it was seeded before. */
export async function seedSite(dataDir: string, profile: SeedProfile, patients: number, options: SeedSiteOptions = {}): Promise<SeedSiteResult> {
  const earlier = await earlierSeeding(dataDir);
  if (earlier) return earlier;
  const store = new EmbeddedStore({ dir: dataDir });
  await store.open();
  const unlock = lockDataDir(dataDir, 'vitrine demo seeding');
  try {
    return await seedStore(store, dataDir, profile, patients, options);
  } finally {
    await store.close();
    unlock();
  }
}

/** True when the site's data directory holds a finished seeding (later starts reuse it). */
export function isSeeded(dataDir: string): boolean {
  return existsSync(path.join(dataDir, SEED_MARKER));
}

/** What the data directory's earlier seeding stored, if it was seeded. */
async function earlierSeeding(dataDir: string): Promise<SeedSiteResult | undefined> {
  if (!isSeeded(dataDir)) return undefined;
  return { ...(JSON.parse(await readFile(path.join(dataDir, SEED_MARKER), 'utf8')) as SeedSiteResult), seeded: false };
}

/**
 * Seeds the site's open store (a running site's, before it serves) unless its data directory was seeded before;
 * the marker beside the data says so once every resource is durable.
 */
export async function seedStore(store: Store, dataDir: string, profile: SeedProfile, patients: number, options: SeedSiteOptions = {}): Promise<SeedSiteResult> {
  const earlier = await earlierSeeding(dataDir);
  if (earlier) return earlier;
  const { seed = '1', progress = SILENT_PROGRESS, rules = 'safe-harbor' } = options;
  const keyFile = options.keyFile ?? `${path.resolve(dataDir)}.deid-key`;
  ensureDeidKeyFile(keyFile);
  const key = loadDeidKey(keyFile);
  const effective = options.historyYears ? { ...profile, historyYears: options.historyYears } : profile;
  let resources = 0;
  function* units(): Generator<SourceUnit> {
    let done = 0;
    for (const patient of generatePatients(seed, effective, patients, 'relative')) {
      resources += patient.length;
      yield { source: `${profile.name} patient ${done}`, entries: patient.map(({ resource }) => ({ resource })), problems: [] };
      progress.tick(++done, `${resources.toLocaleString('en-US')} resources`);
    }
  }
  const summary = await runIngest(units(), {
    deidentifier: createDeidentifier(loadRuleSet(rules), key),
    key,
    target: new StoreTarget(store, withDeidentifiedProfiles(defaultPipeline)),
  });
  const result: SeedSiteResult = {
    seeded: true, patients, resources, stored: summary.totals.written + summary.totals.unchanged, refused: summary.totals.refused, profile: profile.name,
  };
  await writeFile(path.join(dataDir, SEED_MARKER), `${JSON.stringify(result, null, 2)}\n`);
  progress.finish(`${resources.toLocaleString('en-US')} resources${result.refused ? `, ${result.refused} refused` : ''}`);
  return result;
}
