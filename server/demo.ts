/**
 * `vitrine demo` (what `npm start` runs): three sites on one machine, each with its own data directory, seeded
 * on first start with its own synthetic population (seed/profiles/); later starts reuse the data.
 */
import path from 'node:path';
import { progressBar } from '../seed/generator/progress.ts';
import { DEMO_SECRET_CLIENTS, demoAuthConfig, demoHubClientKey, HUB_CLIENT_ID } from './auth/demo-clients.ts';
import { hubConfigFrom } from './config/hub-config.ts';
import { ensureDeidKeyFile } from './deid/deid-key.ts';
import { startHub, type RunningHub } from './hub.ts';
import { siteConfigFrom } from './config/site-config.ts';
import { isSeeded, seedSitesInParallel } from './demo-seed-parallel.ts';
import { closeOnSignals, createLogger, startSite, type RunningSite } from './site.ts';

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

export async function runDemo(dataRoot = process.env.VITRINE_DATA ?? '.data/demo', seeding = demoSeedingFromEnv()): Promise<RunningSite[]> {
  const logger = createLogger({ name: 'demo', logLevel: 'info' });
  const dataDir = (name: string) => path.resolve(dataRoot, name);
  const unseeded = seeding.patients > 0 ? DEMO_SITES.filter((s) => !isSeeded(dataDir(s.name))) : [];
  if (unseeded.length > 0) {
    const started = performance.now();
    process.stderr.write(`First start: seeding ${unseeded.map((s) => `${s.name} (${s.profile})`).join(', ')} with ${seeding.patients} synthetic patients each...\n`);
    const jobs = unseeded.map((s) => ({ dataDir: dataDir(s.name), profile: s.profile, patients: seeding.patients, seed: seeding.seed, historyYears: seeding.historyYears }));
    await seedSitesInParallel(jobs, progressBar('seeding', seeding.patients * jobs.length));
    process.stderr.write(`Seeded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  }
  const sites: RunningSite[] = [];
  for (const { name, port } of DEMO_SITES) {
    const keyFile = `${dataDir(name)}.deid-key`; // the seeding's key, beside the data dir, never in it
    ensureDeidKeyFile(keyFile);
    const config = siteConfigFrom({ name, port, host: '127.0.0.1', dataDir: dataDir(name), logLevel: 'warn', deid: { keyFile }, auth: demoAuthConfig(dataRoot), cors: { origins: ['http://localhost:9000', 'http://127.0.0.1:9000'] } }, `demo ${name}`);
    sites.push(await startSite(config, logger.child({ site: name })));
  }
  const hub = await startDemoHub(dataRoot, sites, logger);
  closeOnSignals([...sites, hub], logger);
  process.stderr.write(`${demoBanner(sites, hub).join('\n')}\n`);
  return sites;
}

/** The hub on 8080 over the three sites; it signs in at each as the backend-services client `vitrine-hub`. */
async function startDemoHub(dataRoot: string, sites: RunningSite[], logger: ReturnType<typeof createLogger>): Promise<RunningHub> {
  demoHubClientKey(dataRoot); // made once, beside the sites' data
  const privateKeyFile = path.resolve(dataRoot, 'hub', 'hub-client-key.json');
  const config = hubConfigFrom(
    {
      name: 'demo-hub',
      port: Number(process.env.VITRINE_HUB_PORT ?? 8080),
      host: '127.0.0.1',
      logLevel: 'warn',
      dataDir: path.resolve(dataRoot, 'hub'),
      // Researchers (aggregate-only) ask the hub; the admin may too. Row-level clients have nothing to do here.
      auth: { clients: DEMO_SECRET_CLIENTS.filter((c) => c.role === 'aggregate' || c.role === 'admin') },
      sites: sites.map((s) => ({ name: s.config.name, url: s.url, auth: { kind: 'backend-services', clientId: HUB_CLIENT_ID, privateKeyFile } })),
    },
    'demo hub',
  );
  return startHub(config, logger.child({ hub: 'demo-hub' }));
}

/** What the demo prints once it is up: the URLs, how to get a token, and three requests to try. */
export function demoBanner(sites: RunningSite[], hub?: RunningHub): string[] {
  const [a, b, c] = sites.map((s) => s.url);
  return [
    'Vitrine demo is running:',
    ...(hub ? [`  hub (aggregates only, over ${sites.length} sites): ${hub.url}`] : []),
    ...sites.map((s, i) => `  ${s.config.name} (${DEMO_SITES[i]?.profile ?? 'site'}): ${s.url}  (data: ${s.config.dataDir})`),
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
