/**
 * `vitrine demo` (what `npm start` runs): three sites on one machine, each with its own data directory, seeded
 * on first start with its own synthetic population (seed/profiles/); later starts reuse the data.
 */
import path from 'node:path';
import { progressBar, SILENT_PROGRESS } from '../seed/generator/progress.ts';
import { DEMO_SECRET_CLIENTS, demoAuthConfig, HUB_CLIENT_ID } from './auth/demo-clients.ts';
import { hubConfigFrom } from './config/hub-config.ts';
import { ensureDeidKeyFile } from './deid/deid-key.ts';
import { startHub, type RunningHub } from './hub.ts';
import { isSeeded } from './demo-seed.ts';
import type { DemoSiteJob, DemoSiteMessage } from './demo-site-worker.ts';
import { once } from './http/listen.ts';
import { startTypeScriptWorker } from './ingest/typescript-worker.ts';
import { createLogger } from './site.ts';

export const DEMO_SITES = [
  { name: 'site-a', port: 8081, profile: 'urban-academic' },
  { name: 'site-b', port: 8082, profile: 'rural-network' },
  { name: 'site-c', port: 8083, profile: 'community-paediatric' },
];

export interface DemoSeeding {
  /** Patients per site on first start; 0 starts empty sites. */
  patients: number;
  /** Years of history per patient: the demo keeps it short so the first start stays under a minute. */
  historyYears: number;
  seed: string;
}

/** VITRINE_DEMO_PATIENTS and VITRINE_DEMO_YEARS change the first start's seeding. */
export function demoSeedingFromEnv(env = process.env): DemoSeeding {
  const patients = Number(env.VITRINE_DEMO_PATIENTS ?? 2000);
  const historyYears = Number(env.VITRINE_DEMO_YEARS ?? 1);
  if (!Number.isInteger(patients) || patients < 0) throw new Error(`VITRINE_DEMO_PATIENTS must be a whole number, not "${env.VITRINE_DEMO_PATIENTS}"`);
  if (!Number.isInteger(historyYears) || historyYears < 1) throw new Error(`VITRINE_DEMO_YEARS must be a whole number ≥ 1, not "${env.VITRINE_DEMO_YEARS}"`);
  return { patients, historyYears, seed: 'vitrine-demo' };
}

export interface DemoOptions {
  dataRoot?: string;
  seeding?: DemoSeeding;
  /** The hub's port and the sites' (DEMO_SITES' own by default; 0 for any free one, the sites only). */
  ports?: { hub: number; sites: number[] };
}

/** A demo site as the main thread sees it: it runs in its own worker thread. */
export interface DemoSite {
  name: string;
  profile: string;
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

export interface RunningDemo {
  sites: DemoSite[];
  hub: RunningHub;
  close(): Promise<void>;
}

/**
 * Each site runs in its own worker thread: the three seed at once on first start (generating, de-identifying,
 * validating and indexing are CPU-bound, so they share every core), each into the store it then serves, and on
 * later starts the three stores load at once too. The hub runs in this thread.
 */
export async function runDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const { dataRoot = process.env.VITRINE_DATA ?? '.data/demo', seeding = demoSeedingFromEnv() } = options;
  const hubPort = options.ports?.hub ?? Number(process.env.VITRINE_HUB_PORT ?? 8080);
  const logger = createLogger({ name: 'demo', logLevel: 'info' });
  const dataDir = (name: string) => path.resolve(dataRoot, name);
  const unseeded = seeding.patients > 0 ? DEMO_SITES.filter((s) => !isSeeded(dataDir(s.name))) : [];
  const started = performance.now();
  if (unseeded.length > 0) {
    process.stderr.write(`First start: seeding ${unseeded.map((s) => `${s.name} (${s.profile})`).join(', ')} with ${seeding.patients} synthetic patients each...\n`);
  }
  const progress = unseeded.length > 0 ? progressBar('seeding', seeding.patients * unseeded.length) : SILENT_PROGRESS;
  const seededPatients = new Map<string, number>();
  const auth = demoAuthConfig(dataRoot, hubPort); // also makes the hub's client key once, beside the sites' data
  const starting = DEMO_SITES.map(({ name, port, profile }, i) => {
    const config = {
      name, port: options.ports?.sites[i] ?? port, host: '127.0.0.1', dataDir: dataDir(name), logLevel: 'warn',
      deid: { keyFile: `${dataDir(name)}.deid-key` }, // the seeding's key, beside the data dir, never in it
      auth, cors: { origins: ['http://localhost:9000', 'http://127.0.0.1:9000'] },
    };
    ensureDeidKeyFile(config.deid.keyFile);
    const job: DemoSiteJob = { config, seeding: unseeded.some((s) => s.name === name) ? { profile, ...seeding } : undefined };
    return startDemoSite(job, profile, (done) => {
      seededPatients.set(name, done);
      progress.tick([...seededPatients.values()].reduce((a, b) => a + b, 0));
    });
  });
  const sites = await allOrNone(starting);
  if (unseeded.length > 0) {
    progress.finish();
    process.stderr.write(`Seeded and started in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const hub = await startDemoHub(dataRoot, hubPort, sites, logger).catch(async (err: unknown) => {
    await Promise.all(sites.map((s) => s.close()));
    throw err;
  });
  const close = once(async () => {
    await hub.close();
    await Promise.all(sites.map((s) => s.close()));
  });
  process.stderr.write(`${demoBanner(sites, hub).join('\n')}\n`);
  return { sites, hub, close };
}

function startDemoSite(job: DemoSiteJob, profile: string, onProgress: (patients: number) => void): Promise<DemoSite> {
  const worker = startTypeScriptWorker(new URL('./demo-site-worker.ts', import.meta.url), job);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const close = once(async () => {
    worker.postMessage({ kind: 'close' });
    await exited;
  });
  return new Promise((resolve, reject) => {
    worker.on('message', (message: DemoSiteMessage) => {
      if (message.kind === 'progress') onProgress(message.done);
      if (message.kind === 'listening') resolve({ name: job.config.name, profile, url: message.url, dataDir: job.config.dataDir, close });
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`demo site ${job.config.name} stopped while starting (worker exit code ${code})`)));
  });
}

/** Waits for every site; if one fails, closes the others and fails with its reason. */
async function allOrNone(starting: Promise<DemoSite>[]): Promise<DemoSite[]> {
  const settled = await Promise.allSettled(starting);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (!failed) return settled.map((s) => (s as PromiseFulfilledResult<DemoSite>).value);
  await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
  throw failed.reason;
}

/** The hub (on 8080) over the three sites; it signs in at each as the backend-services client `vitrine-hub`. */
async function startDemoHub(dataRoot: string, port: number, sites: DemoSite[], logger: ReturnType<typeof createLogger>): Promise<RunningHub> {
  const privateKeyFile = path.resolve(dataRoot, 'hub', 'hub-client-key.json');
  const config = hubConfigFrom(
    {
      name: 'demo-hub',
      port,
      host: '127.0.0.1',
      logLevel: 'warn',
      dataDir: path.resolve(dataRoot, 'hub'),
      // Researchers (aggregate-only) ask the hub; the admin may too. Row-level clients have nothing to do here.
      auth: { clients: DEMO_SECRET_CLIENTS.filter((c) => c.role === 'aggregate' || c.role === 'admin') },
      sites: sites.map((s) => ({ name: s.name, url: s.url, auth: { kind: 'backend-services', clientId: HUB_CLIENT_ID, privateKeyFile } })),
    },
    'demo hub',
  );
  return startHub(config, logger.child({ hub: 'demo-hub' }));
}

/** What the demo prints once it is up: the URLs, how to get a token, and three requests to try. */
export function demoBanner(sites: Pick<DemoSite, 'name' | 'profile' | 'url' | 'dataDir'>[], hub?: Pick<RunningHub, 'url'>): string[] {
  const [a, b, c] = sites.map((s) => s.url);
  return [
    'Vitrine demo is running:',
    ...(hub ? [`  hub (aggregates only, over ${sites.length} sites): ${hub.url}`] : []),
    ...sites.map((s) => `  ${s.name} (${s.profile}): ${s.url}  (data: ${s.dataDir})`),
    '',
    'Tokens: every request needs one (demo clients in README.md, "Authorization"):',
    '  export TOKEN=$(npx vitrine token --client demo-clinician)',
    '',
    'Try:',
    `  curl -H "Authorization: Bearer $TOKEN" '${a}/Patient?_count=3'   # de-identified: no names, addresses or exact birth dates`,
    `  curl -H "Authorization: Bearer $TOKEN" '${b}/Condition?code=http://snomed.info/sct|44054006&_summary=count'   # type 2 diabetes at the rural network`,
    `  curl -H "Authorization: Bearer $TOKEN" '${c ?? a}/Observation?code=http://loinc.org|4548-4&value-quantity=gt6.5&_count=5'   # HbA1c above 6.5 %`,
    ...(hub
      ? [
          `  export RTOKEN=$(npx vitrine token --client demo-researcher --server ${hub.url})`,
          `  curl -H "Authorization: Bearer $RTOKEN" '${hub.url}/Condition?code=http://snomed.info/sct|44054006&_summary=count'   # federated: diabetes over all sites, through each site's policy`,
        ]
      : []),
    '',
  ];
}
