/**
 * `vitrine ingest --site <url | data dir> [--rules safe-harbor|limited-shift|FILE] [--key-file F] <files or dirs...>`
 * `vitrine ingest --site <data dir> --report [--k 11]`
 * De-identifies raw FHIR (Bundles, ndjson, .gz, directories) and writes it to a site; or reports the
 * re-identification risk of what a site stores. People read stderr; `--json` puts the result on stdout.
 */
import { mkdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/site-config.ts';
import { createDeidentifier } from '../deid/engine.ts';
import { loadDeidKey } from '../deid/deid-key.ts';
import { withDeidentifiedProfiles } from '../deid/deidentified-profiles.ts';
import { loadRuleSet } from '../deid/rule-set.ts';
import { defaultPipeline } from '../fhir/default-pipeline.ts';
import { lockDataDir } from '../ingest/data-dir-lock.ts';
import { formatSummary, type IngestSummary } from '../ingest/ingest-summary.ts';
import { StoreTarget, UrlTarget, type IngestTarget } from '../ingest/ingest-targets.ts';
import { progressReporter } from '../ingest/progress-line.ts';
import { readSources } from '../ingest/read-sources.ts';
import { formatRiskReport, measureReidentificationRisk } from '../ingest/risk-report.ts';
import { runIngest } from '../ingest/run-ingest.ts';
import { EmbeddedStore } from '../store/embedded/embedded-store.ts';
import type { Store } from '../store/types.ts';

const USAGE = 'Usage: vitrine ingest --site <url | data dir> [--rules safe-harbor|limited-shift|FILE] [--key-file F] [--batch N] [--json] <files or dirs...>\n       vitrine ingest --site <data dir> --report [--k 11] [--json]';

export async function ingestCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      site: { type: 'string' },
      rules: { type: 'string', default: 'safe-harbor' },
      'key-file': { type: 'string' },
      batch: { type: 'string', default: '1000' },
      report: { type: 'boolean', default: false },
      k: { type: 'string', default: '11' },
      json: { type: 'boolean', default: false },
      token: { type: 'string' },
    },
  });
  if (!values.site) throw new UsageError(`--site is required\n${USAGE}`);
  const isUrl = /^https?:\/\//.test(values.site);
  if (values.report) {
    if (isUrl) throw new UsageError(`--report reads a data dir; for a running site use GET ${values.site}/$deid-report`);
    const report = await withStore(values.site, 'vitrine ingest --report', (store) => measureReidentificationRisk(store, Number(values.k)));
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatRiskReport(report));
    return;
  }
  if (positionals.length === 0) throw new UsageError(`No input files\n${USAGE}`);
  const ruleSet = loadRuleSet(values.rules!);
  const key = loadDeidKey(values['key-file']);
  const deidentifier = createDeidentifier(ruleSet, key);
  const progress = progressReporter();
  const run = (target: IngestTarget): Promise<IngestSummary> =>
    runIngest(readSources(positionals), { deidentifier, key, target, batchSize: Number(values.batch), onProgress: (c) => progress.update(c) });
  const summary = isUrl
    ? await run(new UrlTarget(values.site, values.token ?? process.env.VITRINE_TOKEN ? { authorization: `Bearer ${values.token ?? process.env.VITRINE_TOKEN}` } : {}))
    : await withStore(values.site, 'vitrine ingest', (store) => run(new StoreTarget(store, withDeidentifiedProfiles(defaultPipeline))));
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

/** A wrong command line: printed as it is, without a stack. */
export class UsageError extends ConfigError {}
