/**
 * `vitrine seed generate`: N synthetic patients for a site profile, streamed to disk as transaction Bundles or
 * ndjson, with a manifest. Same seed, profile and N give the same bytes: nothing depends on the clock or on
 * Math.random, and patient i is generated from its own stream.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatePatient } from './patient-history.ts';
import type { SeedProfile } from './profile.ts';
import { SILENT_PROGRESS, type Progress } from './progress.ts';
import type { GeneratedResource, ReferenceStyle } from './record.ts';
import { bundleWriter, ndjsonWriter, type SeedFormat } from './writers.ts';

export interface GenerateOptions {
  patients: number;
  seed: string;
  profile: SeedProfile;
  format: SeedFormat;
  out: string;
  progress?: Progress;
}

/** What was written; also saved as manifest.json beside the data. */
export interface SeedManifest {
  generator: 'vitrine seed generate';
  profile: string;
  seed: string;
  patients: number;
  format: SeedFormat;
  referenceDate: string;
  resources: Record<string, number>;
  totalResources: number;
  bytes: number;
}

/** The patients one after another, each as its resources (Patient first). */
export function* generatePatients(seed: string, profile: SeedProfile, count: number, style: ReferenceStyle, first = 0): Generator<GeneratedResource[]> {
  for (let i = first; i < first + count; i++) yield generatePatient(seed, profile, i, style);
}

export async function generateSeedSet(options: GenerateOptions): Promise<SeedManifest> {
  const { patients, seed, profile, format, out, progress = SILENT_PROGRESS } = options;
  await mkdir(out, { recursive: true });
  const writer = format === 'bundle' ? bundleWriter(out) : ndjsonWriter(out);
  const resources: Record<string, number> = {};
  let totalResources = 0;
  let bytes = 0;
  try {
    let n = 0;
    for (const patient of generatePatients(seed, profile, patients, writer.referenceStyle)) {
      bytes += await writer.write(n++, patient);
      for (const { resource } of patient) resources[resource.resourceType] = (resources[resource.resourceType] ?? 0) + 1;
      totalResources += patient.length;
      progress.tick(n, `${totalResources.toLocaleString('en-US')} resources`);
    }
  } finally {
    await writer.close();
  }
  progress.finish(`${totalResources.toLocaleString('en-US')} resources, ${(bytes / 1e6).toFixed(1)} MB`);
  const sorted = Object.fromEntries(Object.entries(resources).sort(([a], [b]) => a.localeCompare(b)));
  const manifest: SeedManifest = {
    generator: 'vitrine seed generate', profile: profile.name, seed, patients, format, referenceDate: profile.referenceDate,
    resources: sorted, totalResources, bytes,
  };
  await writeFile(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
