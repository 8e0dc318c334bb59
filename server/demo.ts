/** `vitrine demo` (what `npm start` runs): three sites on one machine, each with its own data directory. */
import path from 'node:path';
import { siteConfigFrom } from './config/site-config.ts';
import { closeOnSignals, createLogger, startSite, type RunningSite } from './site.ts';

export const DEMO_SITES = [
  { name: 'site-a', port: 8081 },
  { name: 'site-b', port: 8082 },
  { name: 'site-c', port: 8083 },
];

export async function runDemo(dataRoot = process.env.VITRINE_DATA ?? '.data/demo'): Promise<RunningSite[]> {
  const logger = createLogger({ name: 'demo', logLevel: 'info' });
  const sites: RunningSite[] = [];
  for (const { name, port } of DEMO_SITES) {
    const config = siteConfigFrom({ name, port, host: '127.0.0.1', dataDir: path.resolve(dataRoot, name), logLevel: 'warn' }, `demo ${name}`);
    sites.push(await startSite(config, logger.child({ site: name })));
  }
  closeOnSignals(sites, logger);
  const lines = [
    'Vitrine demo is running:',
    ...sites.map((s) => `  ${s.config.name}: ${s.url}  (data: ${s.config.dataDir})`),
    '',
    'Try:',
    `  curl ${sites[0].url}/metadata`,
    `  curl -X POST -H 'Content-Type: application/fhir+json' -d '{"resourceType":"Patient","gender":"female","birthDate":"1970"}' ${sites[0].url}/Patient`,
    `  curl '${sites[0].url}/Patient?gender=female&_count=5'`,
    '',
  ];
  process.stderr.write(`${lines.join('\n')}\n`);
  return sites;
}
