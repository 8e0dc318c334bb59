/**
 * The ingest into a store, spread over threads: worker threads read, de-identify, validate, serialize and index
 * batches (prepare-unit.ts) while the main thread commits the prepared batches in the order they were read
 * (prepared-writer.ts), and prepares batches itself whenever the workers are busy and nothing waits to commit
 * (dispatch below); workers loading through tsx it first lets load undisturbed (PreparePool.whenLoaded). A few batches
 * are in flight at most, so memory stays bounded. Files small enough to read at once are sent to the workers as
 * paths (planSources), so the main thread neither parses them nor copies parsed resources across threads. Units
 * that carry a reference index spanning a streamed Bundle are prepared on the main thread (the index is not worth
 * copying to every worker).
 */
import { availableParallelism } from 'node:os';
import { withDeidentifiedProfiles } from '../deid/deidentified-profiles.ts';
import { createDeidentifier } from '../deid/engine.ts';
import { loadRuleSet } from '../deid/rule-set.ts';
import { defaultPipeline } from '../fhir/default-pipeline.ts';
import type { Store } from '../store/types.ts';
import { coreDefinitions } from '../validation/definitions.ts';
import { SummaryCounter, type IngestSummary } from './ingest-summary.ts';
import { PreparePool } from './prepare-pool.ts';
import { prepareBatch, type PrepareBatch, type PreparedUnits } from './prepare-unit.ts';
import { PreparedStoreWriter } from './prepared-writer.ts';
import { isSourceFile, type SourceFile, type SourceUnit } from './read-sources.ts';

export interface ParallelIngestOptions {
  /** A shipped rule set's name or a rules file. */
  rules: string;
  key: Buffer;
  store: Store;
  /** Worker threads; default: one less than the cores (at least one). */
  workers?: number;
  /** Resources per batch of units (one commit each). */
  batchSize?: number;
  /** Bytes of input per batch of whole files (one commit each); default DEFAULT_BATCH_BYTES. */
  batchBytes?: number;
  onProgress?(counter: SummaryCounter): void;
  /** Told who prepares each batch as it is dispatched (how the work was shared: for diagnostics and tests). */
  onDispatch?(preparedBy: 'worker' | 'main thread'): void;
}

/** Units read elsewhere (planSources, or already in memory) and files a worker reads itself. */
export type ParallelSources = AsyncIterable<SourceUnit | SourceFile> | Iterable<SourceUnit | SourceFile>;

/**
 * About 500 generated resources' worth. Against 1 MB, a 600-patient ingest ran faster in 5 of 6 alternating runs
 * (+8% on average): the first batches, which each thread prepares cold at several times a warm batch's time, end
 * sooner, and the commits follow the workers more closely.
 */
const DEFAULT_BATCH_BYTES = 512 * 1024;

/** Commits not yet durable at once: one being synced while the next is versioned and framed. */
const COMMITS_IN_FLIGHT = 1;

/** How long this thread waits, at most, for the workers to load before it starts preparing (PreparePool.whenLoaded). */
const MAX_LOAD_WAIT_MS = 5000;

/** Batches a worker may have waiting before this thread prepares the next one itself. */
const WORKER_QUEUE_DEPTH = 4;

/** De-identifies and stores every resource of the sources; returns the summary (as runIngest does). */
export async function runParallelIngest(sources: ParallelSources, options: ParallelIngestOptions): Promise<IngestSummary> {
  const ruleSet = loadRuleSet(options.rules); // a bad rules file stops here, before any worker starts
  const now = new Date();
  const batchSize = options.batchSize ?? 1000;
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const serializeIndex = typeof options.store.commitSerialized === 'function';
  const workerData = { rules: options.rules, key: new Uint8Array(options.key), now: now.toISOString(), serializeIndex };
  const pool = await PreparePool.start(options.workers ?? Math.max(1, availableParallelism() - 1), workerData);
  const inline = { deidentifier: createDeidentifier(ruleSet, options.key, now), pipeline: withDeidentifiedProfiles(defaultPipeline) };
  const writer = new PreparedStoreWriter(options.store);
  const counter = new SummaryCounter();
  // Batches in input order, each with whether it is prepared yet.
  const inFlight: { prepared: Promise<PreparedUnits>; done: boolean }[] = [];
  const maxInFlight = pool.size * WORKER_QUEUE_DEPTH + 2;
  // Commits handed to the store and not yet durable, oldest first: the next is versioned while one is synced.
  const committing: Promise<void>[] = [];
  const awaitOldestCommit = async () => {
    await committing.shift();
    options.onProgress?.(counter);
  };
  const commitOldest = async () => {
    const prepared = await inFlight.shift()!.prepared;
    for (const [type, n] of Object.entries(prepared.read)) counter.count(type, 'read', n);
    for (const { type, reason } of prepared.refusals) counter.refuse(type, reason);
    const durable = writer.write(prepared, counter);
    durable.catch(() => undefined); // raised when awaited below, not as an unhandled rejection meanwhile
    committing.push(durable);
    if (committing.length > COMMITS_IN_FLIGHT) await awaitOldestCommit();
  };
  const prepareHere = (batch: PrepareBatch) => prepareBatch(batch, inline.deidentifier, options.key, inline.pipeline, serializeIndex);
  /**
   * A worker takes the batch when one has room; else this thread prepares it itself, unless the oldest batch is
   * ready to commit (committing comes first: it is the one thing only this thread can do). So this thread works
   * while a worker warms up on its first batch and whenever it would otherwise wait, and no core idles.
   */
  const dispatch = async (batch: PrepareBatch): Promise<{ prepared: Promise<PreparedUnits> }> => {
    const indexed = batch.units?.some((u) => u.index) ?? false; // the reference index stays on this thread
    for (;;) {
      if (!indexed && pool.hasRoom(WORKER_QUEUE_DEPTH)) {
        options.onDispatch?.('worker');
        return { prepared: pool.prepare(batch) };
      }
      if (indexed || !inFlight[0]?.done) {
        options.onDispatch?.('main thread');
        const prepared = prepareHere(batch);
        await prepared.catch(() => undefined); // done before this thread looks again; a failure is raised in turn
        return { prepared };
      }
      await commitOldest();
    }
  };
  // One batch is gathered at a time, of units or of files, so batches (and their commits) keep the input's order.
  let units: SourceUnit[] = [];
  let entries = 0;
  let files: string[] = [];
  let bytes = 0;
  const send = async () => {
    if (units.length === 0 && files.length === 0) return;
    const { prepared } = await dispatch(files.length > 0 ? { files } : { units });
    const entry = { prepared, done: false };
    // A later batch may fail while an earlier one commits: its error is raised when its turn comes (commitOldest),
    // not as an unhandled rejection that would end the process first.
    prepared.then(
      () => (entry.done = true),
      () => (entry.done = true),
    );
    inFlight.push(entry);
    units = [];
    entries = 0;
    files = [];
    bytes = 0;
    if (inFlight.length >= maxInFlight) await commitOldest();
  };
  try {
    // Read here while the workers load their modules (or already read by this thread): parsed once, not per worker.
    pool.share({ coreDefinitions: coreDefinitions() });
    if (pool.bundle === undefined) await pool.whenLoaded(MAX_LOAD_WAIT_MS);
    for await (const source of sources) {
      if (isSourceFile(source)) {
        if (units.length > 0) await send();
        files.push(source.file);
        bytes += source.bytes;
        if (bytes >= batchBytes) await send();
      } else {
        if (files.length > 0) await send();
        units.push(source);
        entries += source.entries.length + source.problems.length;
        if (entries >= batchSize) await send();
      }
    }
    await send();
    while (inFlight.length > 0) await commitOldest();
    while (committing.length > 0) await awaitOldestCommit();
  } finally {
    await Promise.allSettled([...inFlight.map((e) => e.prepared), ...committing]);
    await pool.close();
  }
  return counter.summary({ name: ruleSet.name, version: ruleSet.version });
}
