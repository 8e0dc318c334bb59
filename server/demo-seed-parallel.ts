/**
 * Seeds several demo sites at once, one worker thread per site: generating, de-identifying, validating and
 * indexing are CPU-bound, so the sites share every core and all finish at about total CPU time / cores (with one
 * worker per core instead, the sites left over would run after the others on one core).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { SILENT_PROGRESS, type Progress } from '../seed/generator/progress.ts';
import { SEED_MARKER, type SeedSiteResult } from './demo-seed.ts';
import { startTypeScriptWorker } from './ingest/typescript-worker.ts';

export interface SiteSeedJob {
  dataDir: string;
  /** A profile name from seed/profiles/ or a path. */
  profile: string;
  patients: number;
  seed: string;
  historyYears?: number;
}

type WorkerMessage = { kind: 'progress'; done: number } | { kind: 'done'; result: SeedSiteResult };

/** True when the site's data directory holds a finished seeding (later starts reuse it). */
export function isSeeded(dataDir: string): boolean {
  return existsSync(path.join(dataDir, SEED_MARKER));
}

/** Runs the jobs in worker threads; `progress` counts patients over all jobs. */
export async function seedSitesInParallel(jobs: SiteSeedJob[], progress: Progress = SILENT_PROGRESS, workers = jobs.length): Promise<SeedSiteResult[]> {
  const done = new Array<number>(jobs.length).fill(0);
  const results: SeedSiteResult[] = new Array(jobs.length);
  let next = 0;
  const runNext = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await runWorker(jobs[i], (patients) => {
        done[i] = patients;
        progress.tick(done.reduce((a, b) => a + b, 0));
      });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(workers, jobs.length)) }, runNext));
  progress.finish(`${results.reduce((sum, r) => sum + r.resources, 0).toLocaleString('en-US')} resources`);
  return results;
}

function runWorker(job: SiteSeedJob, onProgress: (patients: number) => void): Promise<SeedSiteResult> {
  const worker = startTypeScriptWorker(new URL('./demo-seed-worker.ts', import.meta.url), job);
  return new Promise((resolve, reject) => {
    let result: SeedSiteResult | undefined;
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'progress') onProgress(message.done);
      else result = message.result;
    });
    worker.once('error', reject);
    worker.once('exit', (code) => (result ? resolve(result) : reject(new Error(`seeding ${job.dataDir} stopped (worker exit code ${code})`))));
  });
}
