/** Worker thread body of seedSitesInParallel: seeds one site and reports progress to the parent. */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSeedProfile } from '../seed/generator/profile.ts';
import { seedSite } from './demo-seed.ts';
import type { SiteSeedJob } from './demo-seed-parallel.ts';

const job = workerData as SiteSeedJob;
const result = await seedSite(job.dataDir, loadSeedProfile(job.profile), job.patients, {
  seed: job.seed,
  historyYears: job.historyYears,
  progress: {
    tick: (done) => parentPort!.postMessage({ kind: 'progress', done }),
    finish: () => {},
  },
});
parentPort!.postMessage({ kind: 'done', result });
