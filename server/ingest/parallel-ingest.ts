/**
 * The ingest into a store, spread over threads: worker threads de-identify, validate, serialize and index batches
 * of source units (prepare-unit.ts) while the main thread reads the sources and commits the prepared batches in
 * the order they were read (prepared-writer.ts). A few batches are in flight at most, so memory stays bounded.
 * Units that carry a reference index spanning a streamed Bundle are prepared on the main thread (the index is
 * not worth copying to every worker).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { withDeidentifiedProfiles } from '../deid/deidentified-profiles.ts';
import { createDeidentifier } from '../deid/engine.ts';
import { loadRuleSet } from '../deid/rule-set.ts';
import { defaultPipeline } from '../fhir/default-pipeline.ts';
import type { Store } from '../store/types.ts';
import type { IngestWorkerData } from './ingest-worker.ts';
import { SummaryCounter, type IngestSummary } from './ingest-summary.ts';
import { prepareUnits, type PreparedUnits } from './prepare-unit.ts';
import { PreparedStoreWriter } from './prepared-writer.ts';
import type { SourceUnit } from './read-sources.ts';
import { startTypeScriptWorker } from './typescript-worker.ts';

export interface ParallelIngestOptions {
  /** A shipped rule set's name or a rules file. */
  rules: string;
  key: Buffer;
  store: Store;
  /** Worker threads; default: one less than the cores (at least one). */
  workers?: number;
  /** Resources per batch (one commit each). */
  batchSize?: number;
  onProgress?(counter: SummaryCounter): void;
}

/** De-identifies and stores every resource of the units; returns the summary (as runIngest does). */
export async function runParallelIngest(units: AsyncIterable<SourceUnit> | Iterable<SourceUnit>, options: ParallelIngestOptions): Promise<IngestSummary> {
  const ruleSet = loadRuleSet(options.rules); // a bad rules file stops here, before any worker starts
  const now = new Date();
  const batchSize = options.batchSize ?? 1000;
  const pool = new PreparePool(options.workers ?? Math.max(1, availableParallelism() - 1), { rules: options.rules, key: new Uint8Array(options.key), now: now.toISOString() });
  const inline = { deidentifier: createDeidentifier(ruleSet, options.key, now), pipeline: withDeidentifiedProfiles(defaultPipeline) };
  const writer = new PreparedStoreWriter(options.store);
  const counter = new SummaryCounter();
  const inFlight: Promise<PreparedUnits>[] = [];
  const maxInFlight = pool.size * 2 + 1;
  const commitOldest = async () => {
    const prepared = await inFlight.shift()!;
    for (const [type, n] of Object.entries(prepared.read)) counter.count(type, 'read', n);
    for (const { type, reason } of prepared.refusals) counter.refuse(type, reason);
    await writer.write(prepared.resources, counter);
    options.onProgress?.(counter);
  };
  let batch: SourceUnit[] = [];
  let entries = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const units = batch;
    batch = [];
    entries = 0;
    const local = units.some((u) => u.index);
    inFlight.push(local ? Promise.resolve(prepareUnits(units, inline.deidentifier, options.key, inline.pipeline)) : pool.prepare(units));
    if (inFlight.length >= maxInFlight) await commitOldest();
  };
  try {
    for await (const unit of units) {
      batch.push(unit);
      entries += unit.entries.length + unit.problems.length;
      if (entries >= batchSize) await send();
    }
    await send();
    while (inFlight.length > 0) await commitOldest();
  } finally {
    await Promise.allSettled(inFlight);
    await pool.close();
  }
  return counter.summary({ name: ruleSet.name, version: ruleSet.version });
}

/** Worker threads that prepare batches; each batch goes to the worker with the fewest waiting. */
class PreparePool {
  private readonly workers: { worker: Worker; waiting: Map<number, { resolve(p: PreparedUnits): void; reject(e: Error): void }> }[];
  private seq = 0;

  constructor(count: number, data: IngestWorkerData) {
    this.workers = Array.from({ length: count }, () => {
      const worker = startTypeScriptWorker(new URL('./ingest-worker.ts', import.meta.url), data);
      const entry = { worker, waiting: new Map<number, { resolve(p: PreparedUnits): void; reject(e: Error): void }>() };
      worker.on('message', (message: { seq: number; prepared?: PreparedUnits; error?: string }) => {
        const pending = entry.waiting.get(message.seq);
        entry.waiting.delete(message.seq);
        if (message.error !== undefined) pending?.reject(new Error(`ingest worker: ${message.error}`));
        else pending?.resolve(message.prepared!);
      });
      const failAll = (err: Error) => {
        for (const pending of entry.waiting.values()) pending.reject(err);
        entry.waiting.clear();
      };
      worker.on('error', failAll);
      worker.on('exit', (code) => failAll(new Error(`ingest worker stopped (exit code ${code})`)));
      return entry;
    });
  }

  get size(): number {
    return this.workers.length;
  }

  prepare(units: SourceUnit[]): Promise<PreparedUnits> {
    const target = this.workers.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      target.waiting.set(seq, { resolve, reject });
      target.worker.postMessage({ seq, units });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}
