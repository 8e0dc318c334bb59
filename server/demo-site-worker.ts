/**
 * Worker thread body of one demo site: seeds its data directory on first start (in this thread, into the store
 * the site then serves: no second open of a freshly written store) and serves it until the main thread says close.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadSeedProfile } from '../seed/generator/profile.ts';
import { siteConfigFrom } from './config/site-config.ts';
import { seedStore, type SeedSiteResult } from './demo-seed.ts';
import { createLogger, startSite } from './site.ts';

/** What the main thread sends: the site's config and, if its data directory is not seeded yet, what to seed. */
export interface DemoSiteJob {
  config: Record<string, unknown> & { name: string; dataDir: string };
  seeding?: { profile: string; patients: number; seed: string; historyYears: number };
}

export type DemoSiteMessage =
  | { kind: 'progress'; done: number }
  | { kind: 'listening'; url: string; seeded?: SeedSiteResult }
  | { kind: 'closed' };

const job = workerData as DemoSiteJob;
const port = parentPort!;
const send = (message: DemoSiteMessage) => port.postMessage(message);
const config = siteConfigFrom(job.config, `demo ${job.config.name}`);
let seeded: SeedSiteResult | undefined;
const { seeding } = job;
const site = await startSite(config, createLogger({ name: 'demo', logLevel: 'info' }).child({ site: config.name }), {
  prepareStore: seeding
    ? async (store) => {
        seeded = await seedStore(store, config.dataDir, loadSeedProfile(seeding.profile), seeding.patients, {
          seed: seeding.seed,
          historyYears: seeding.historyYears,
          keyFile: config.deid.keyFile,
          progress: { tick: (done) => send({ kind: 'progress', done }), finish() {} },
        });
      }
    : undefined,
});
send({ kind: 'listening', url: site.url, seeded });
port.on('message', (message: { kind: 'close' }) => {
  if (message.kind !== 'close') return;
  site.close().then(() => {
    send({ kind: 'closed' });
    port.close();
  });
});
