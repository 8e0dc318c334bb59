/**
 * Seeds a demo site's data directory on first start: generates the site profile's synthetic patients and writes
 * them through the same WriteSession and pipeline (validation, index extraction) as the REST API, many patients
 * per commit. Later starts find the marker file and reuse the data.
 *
 * TODO(issue 3): replace `stripIdentifiers` + WriteSession by the de-identifying ingest (`server/ingest/`,
 * `runIngest` with a StoreTarget) once it has landed; until then the stand-in below removes the direct
 * identifiers so that the demo never serves a name, address, phone, MRN or exact birth date.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { generatePatients } from '../seed/generator/generate.ts';
import type { SeedProfile } from '../seed/generator/profile.ts';
import { SILENT_PROGRESS, type Progress } from '../seed/generator/progress.ts';
import { stripIdentifiers } from './demo-deid-stand-in.ts';
import { defaultPipeline } from './fhir/default-pipeline.ts';
import type { ResourcePipeline } from './fhir/pipeline.ts';
import { WriteSession } from './fhir/write-session.ts';
import { EmbeddedStore } from './store/embedded/embedded-store.ts';

export const SEED_MARKER = 'demo-seed.json';

export interface SeedSiteOptions {
  seed?: string;
  /** Years of history per patient (the profile's own value by default); fewer years load faster. */
  historyYears?: number;
  progress?: Progress;
  pipeline?: ResourcePipeline;
  /** Patients per commit. */
  patientsPerCommit?: number;
}

export interface SeedSiteResult {
  /** False when the data directory was already seeded and was reused as it is. */
  seeded: boolean;
  patients: number;
  resources: number;
  profile: string;
}

/** Generates and stores `patients` patients of `profile` in the site's data directory, unless it was seeded before. */
export async function seedSite(dataDir: string, profile: SeedProfile, patients: number, options: SeedSiteOptions = {}): Promise<SeedSiteResult> {
  const marker = path.join(dataDir, SEED_MARKER);
  if (existsSync(marker)) return { ...(JSON.parse(await readFile(marker, 'utf8')) as SeedSiteResult), seeded: false };
  const { seed = '1', progress = SILENT_PROGRESS, pipeline = defaultPipeline, patientsPerCommit = 50 } = options;
  const effective = options.historyYears ? { ...profile, historyYears: options.historyYears } : profile;
  const store = new EmbeddedStore({ dir: dataDir });
  await store.open();
  let resources = 0;
  try {
    let session = new WriteSession(store, pipeline);
    let committing: Promise<void> = Promise.resolve();
    let done = 0;
    for (const patient of generatePatients(seed, effective, patients, 'relative')) {
      for (const { resource } of patient) await stage(session, stripIdentifiers(resource));
      resources += patient.length;
      if (++done % patientsPerCommit === 0 || done === patients) {
        // The next batch is generated and validated while this one is written to the journal.
        await committing;
        committing = session.commit();
        session = new WriteSession(store, pipeline);
        progress.tick(done, `${resources.toLocaleString('en-US')} resources`);
      }
    }
    await committing;
  } finally {
    await store.close();
  }
  const result: SeedSiteResult = { seeded: true, patients, resources, profile: profile.name };
  await writeFile(marker, `${JSON.stringify(result, null, 2)}\n`);
  progress.finish(`${resources.toLocaleString('en-US')} resources`);
  return result;
}

async function stage(session: WriteSession, resource: Resource): Promise<void> {
  await session.update(resource.resourceType, resource.id!, resource);
}
