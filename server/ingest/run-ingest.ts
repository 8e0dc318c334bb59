/**
 * The ingest pipeline: read -> de-identify -> validate (core + de-identified profiles) -> index -> store, in
 * batches, with progress and a summary. https://hl7.org/fhir/R4/http.html#transaction (one commit per batch)
 */
import type { Resource } from '@medplum/fhirtypes';
import { DeidError, type Deidentifier } from '../deid/engine.ts';
import type { IngestTarget } from './ingest-targets.ts';
import { SummaryCounter, type IngestSummary } from './ingest-summary.ts';
import type { SourceUnit } from './read-sources.ts';
import { SourceIndex } from './source-references.ts';

export interface IngestOptions {
  deidentifier: Deidentifier;
  key: Buffer;
  target: IngestTarget;
  /** Resources per commit (or per batch Bundle to a URL). */
  batchSize?: number;
  /** Called after each batch with the running counts. */
  onProgress?(counter: SummaryCounter): void;
}

/** De-identifies and writes every resource of the units; returns the summary. */
export async function runIngest(units: AsyncIterable<SourceUnit> | Iterable<SourceUnit>, options: IngestOptions): Promise<IngestSummary> {
  const { deidentifier, key, target } = options;
  const batchSize = options.batchSize ?? 1000;
  const counter = new SummaryCounter();
  let batch: Resource[] = [];
  const flush = async () => {
    const writing = batch;
    batch = [];
    await target.write(writing, counter);
    options.onProgress?.(counter);
  };
  for await (const unit of units) {
    for (const problem of unit.problems) {
      counter.count('(unreadable)', 'read');
      counter.refuse('(unreadable)', problem);
    }
    const index = unit.index ?? new SourceIndex(unit.entries);
    const rewrite = index.rewriter(key);
    for (const { resource } of unit.entries) {
      const type = typeof resource.resourceType === 'string' ? resource.resourceType : '(unknown)';
      counter.count(type, 'read');
      const out = deidentifyOne(resource, deidentifier, index, rewrite, counter, type);
      if (out) batch.push(out);
      if (batch.length >= batchSize) await flush();
    }
  }
  await flush();
  return counter.summary({ name: deidentifier.ruleSet.name, version: deidentifier.ruleSet.version });
}

function deidentifyOne(resource: Resource, deidentifier: Deidentifier, index: SourceIndex, rewrite: (r: string) => string, counter: SummaryCounter, type: string): Resource | undefined {
  if (typeof resource.id !== 'string' || resource.id === '') {
    counter.refuse(type, `${type}.id: a resource without an id cannot be given a stable pseudonym`);
    return undefined;
  }
  try {
    return deidentifier.deidentify(resource, index.patientKeyOf(resource), rewrite);
  } catch (err) {
    if (!(err instanceof DeidError)) throw err;
    counter.refuse(type, err.message);
    return undefined;
  }
}
