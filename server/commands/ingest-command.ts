/**
 * `vitrine ingest --site <url | data dir> [--config site.json] [--rules safe-harbor|limited-shift|FILE] [--key-file F] <files or dirs...>`
 * `vitrine ingest --site <url | data dir> --report [--k 11]`
 * De-identifies raw FHIR (Bundles, ndjson, .gz, directories) and writes it to a site; or reports the
 * re-identification risk of what a site stores. A site config gives the rule set, the key file (`deid`) and the
 * data dir; the flags override it. People read stderr; `--json` puts the result on stdout.
 */
import type { OperationOutcome, Parameters } from '@medplum/fhirtypes';
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, loadSiteConfig } from '../config/site-config.ts';
import { createDeidentifier } from '../deid/engine.ts';
import { loadDeidKey } from '../deid/deid-key.ts';
import { withDeidentifiedProfiles } from '../deid/deidentified-profiles.ts';
import { loadRuleSet } from '../deid/rule-set.ts';
import { defaultPipeline } from '../fhir/default-pipeline.ts';
import { lockDataDir } from '../ingest/data-dir-lock.ts';
import { formatSummary, type IngestSummary } from '../ingest/ingest-summary.ts';
import { describeOutcome, StoreTarget, UrlTarget, type IngestTarget } from '../ingest/ingest-targets.ts';
import { progressReporter } from '../ingest/progress-line.ts';
import { planSources, readSources } from '../ingest/read-sources.ts';
import { formatRiskReport, measureReidentificationRisk, riskReportFromParameters, type RiskReport } from '../ingest/risk-report.ts';
import { runParallelIngest } from '../ingest/parallel-ingest.ts';
import { runIngest } from '../ingest/run-ingest.ts';
import { EmbeddedStore } from '../store/embedded/embedded-store.ts';
import type { Store } from '../store/types.ts';

const USAGE = 'Usage: vitrine ingest --site <url | data dir> [--config site.json] [--rules safe-harbor|limited-shift|FILE] [--key-file F] [--batch N] [--workers N] [--json] <files or dirs...>\n       vitrine ingest --site <url | data dir> --report [--k 11] [--json]   (a URL needs --token or VITRINE_TOKEN of an admin)';

export async function ingestCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      site: { type: 'string' },
      config: { type: 'string' },
      rules: { type: 'string' },
      'key-file': { type: 'string' },
      batch: { type: 'string', default: '1000' },
      workers: { type: 'string' },
      report: { type: 'boolean', default: false },
      k: { type: 'string', default: '11' },
      json: { type: 'boolean', default: false },
      token: { type: 'string' },
    },
  });
  const config = values.config ? loadSiteConfig(values.config) : undefined;
  const site = values.site ?? config?.dataDir;
  if (!site) throw new UsageError(`--site (or --config) is required\n${USAGE}`);
  const isUrl = /^https?:\/\//.test(site);
  const token = values.token ?? process.env.VITRINE_TOKEN;
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  if (values.report) {
    const report = isUrl ? await fetchRiskReport(site, values.k!, auth) : await withStore(site, 'vitrine ingest --report', (store) => measureReidentificationRisk(store, Number(values.k)));
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatRiskReport(report));
    return;
  }
  if (positionals.length === 0) throw new UsageError(`No input files\n${USAGE}`);
  const ruleSet = loadRuleSet(values.rules ?? config?.deid.rules ?? 'safe-harbor');
  const key = loadDeidKey(values['key-file'] ?? config?.deid.keyFile);
  const deidentifier = createDeidentifier(ruleSet, key);
  const progress = progressReporter();
  const run = (target: IngestTarget): Promise<IngestSummary> =>
    runIngest(readSources(positionals), { deidentifier, key, target, batchSize: Number(values.batch), onProgress: (c) => progress.update(c) });
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && !(Number.isInteger(workers) && workers >= 0)) throw new UsageError(`--workers must be a whole number (0: one thread), not ${values.workers}`);
  const summary = isUrl
    ? await run(new UrlTarget(site, auth))
    : await withStore(site, 'vitrine ingest', (store) =>
        workers === 0
          ? run(new StoreTarget(store, withDeidentifiedProfiles(defaultPipeline)))
          : runParallelIngest(planSources(positionals), { rules: values.rules ?? config?.deid.rules ?? 'safe-harbor', key, store, workers, batchSize: Number(values.batch), onProgress: (c) => progress.update(c) }),
      );
  progress.done();
  process.stderr.write(formatSummary(summary));
  if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (summary.totals.refused > 0) process.exitCode = 3;
}

/** Opens the embedded store of a data dir under its lock, runs `work`, and always closes and unlocks. */
async function withStore<T>(dir: string, holder: string, work: (store: Store) => Promise<T>): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const unlock = lockDataDir(dir, holder);
  const store = new EmbeddedStore({ dir });
  try {
    await store.open();
    return await work(store);
  } finally {
    await store.close();
    unlock();
  }
}

/** The risk report of a running site (GET $deid-report, an administrator's token), back in the report's shape. */
async function fetchRiskReport(baseUrl: string, k: string, headers: Record<string, string>): Promise<RiskReport> {
  const response = await fetch(`${baseUrl.replace(/\/$/, '')}/$deid-report?k=${encodeURIComponent(k)}`, { headers: { accept: 'application/fhir+json', ...headers } });
  const body = (await response.json().catch(() => undefined)) as Parameters | OperationOutcome | undefined;
  if (!response.ok || body?.resourceType !== 'Parameters') {
    const detail = body?.resourceType === 'OperationOutcome' ? describeOutcome('$deid-report', body) : `HTTP ${response.status}`;
    throw new ConfigError(`The site refused the risk report: ${detail}`);
  }
  return riskReportFromParameters(body);
}

/** A wrong command line: printed as it is, without a stack. */
export class UsageError extends ConfigError {}
