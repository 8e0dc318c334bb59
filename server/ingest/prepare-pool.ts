/**
 * The worker threads of a parallel ingest (ingest-worker.ts). A batch is either source units already read (the
 * parts of files too large to hand out whole) or whole files, which the worker reads and parses itself; each batch
 * goes to the worker with the fewest batches waiting.
 */
import type { Worker } from 'node:worker_threads';
import type { IngestWorkerData, IngestWorkerDefinitions, IngestWorkerReady, IngestWorkerRequest } from './ingest-worker.ts';
import { fromPostedUnits, type PostedUnits } from './posted-units.ts';
import type { PrepareBatch, PreparedUnits } from './prepare-unit.ts';
import { startTypeScriptWorker } from './typescript-worker.ts';
import { bundledModule } from './worker-bundle.ts';

const WORKER_MODULE = new URL('./ingest-worker.ts', import.meta.url);

interface Pending {
  resolve(prepared: PreparedUnits): void;
  reject(err: Error): void;
}

interface PoolWorker {
  worker: Worker;
  /** Set when the worker has loaded its modules; until then batches sent to it only queue. */
  ready: boolean;
  /** Set once it has answered a batch: its first one takes several times as long (it compiles the validators then). */
  warm: boolean;
  waiting: Map<number, Pending>;
}

export class PreparePool {
  private readonly workers: PoolWorker[];
  private seq = 0;
  /** Why a worker stopped before close(): raised by hasRoom, so a dead worker stops the ingest, not just slows it. */
  private failure: Error | undefined;
  private closing = false;
  /** Settles when every worker has loaded its modules, or one has failed (see whenLoaded). */
  private readonly loaded: Promise<void>;
  private markLoaded: () => void = () => undefined;

  /** Starts `count` workers, from the worker's bundle when there is one (worker-bundle.ts), else through tsx. */
  static async start(count: number, data: IngestWorkerData): Promise<PreparePool> {
    return new PreparePool(count, data, await bundledModule(WORKER_MODULE));
  }

  private constructor(
    count: number,
    data: IngestWorkerData,
    /** The bundle the workers run; undefined when they load their modules through tsx. */
    readonly bundle: string | undefined,
  ) {
    this.loaded = new Promise<void>((resolve) => (this.markLoaded = resolve));
    this.workers = Array.from({ length: count }, () => {
      const worker = startTypeScriptWorker(WORKER_MODULE, data, bundle);
      const entry: PoolWorker = { worker, ready: false, warm: false, waiting: new Map<number, Pending>() };
      worker.on('message', (message: { seq: number; prepared?: PostedUnits; error?: string } | IngestWorkerReady) => {
        if ('ready' in message) {
          entry.ready = true;
          if (this.workers.every((w) => w.ready)) this.markLoaded();
          return;
        }
        entry.warm = true;
        const pending = entry.waiting.get(message.seq);
        entry.waiting.delete(message.seq);
        if (message.error !== undefined) pending?.reject(new Error(`ingest worker: ${message.error}`));
        else pending?.resolve(fromPostedUnits(message.prepared!));
      });
      const failAll = (err: Error) => {
        if (!this.closing) this.failure ??= err;
        this.markLoaded(); // nothing more to wait for: the failure is raised by hasRoom
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

  /**
   * Settles when every worker has loaded its modules (or one has failed), or after `ms` at most. Through tsx, a
   * worker's loading is a run of synchronous requests to tsx's loader thread, each a hand-off between two threads:
   * with the calling thread busy on the other core, it took three times as long here (2.7 s against 0.9), which
   * cost more than the calling thread gains by preparing a batch meanwhile. A bundled worker needs no such wait.
   */
  async whenLoaded(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.loaded, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /** Sends every worker what it would otherwise read and parse itself; call before the first batch. */
  share(definitions: IngestWorkerDefinitions): void {
    for (const { worker } of this.workers) worker.postMessage(definitions);
  }

  /**
   * Whether a worker has fewer than `depth` batches waiting: a batch sent now would be worked on within about
   * `depth` batches' time. A worker that has not answered its first batch yet (still loading its modules, or
   * warming up on that batch, several times a warm batch's time) takes just that one: queued behind it, more would hold up the commits
   * that follow them. It does take one while loading, so that it starts on it as soon as it can instead of idling
   * until this thread has prepared a batch of its own.
   */
  hasRoom(depth: number): boolean {
    if (this.failure) throw this.failure;
    return this.workers.some((w) => w.waiting.size < (w.warm ? depth : 1));
  }

  /** Sends the batch to the ready worker with the fewest batches waiting (any worker, while none is ready). */
  prepare(batch: PrepareBatch): Promise<PreparedUnits> {
    const ready = this.workers.filter((w) => w.ready);
    const target = (ready.length > 0 ? ready : this.workers).reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      target.waiting.set(seq, { resolve, reject });
      target.worker.postMessage({ ...batch, seq } satisfies IngestWorkerRequest);
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
  }
}
