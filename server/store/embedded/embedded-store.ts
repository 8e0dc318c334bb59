/**
 * The zero-setup Store (DESIGN.md, "Stored documents"): documents and versions in process, made durable by an
 * append-only journal in `dir` that is replayed at open() and compacted into a snapshot.
 */
import { mkdir, open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Filter, HistoryQuery, MatchKeys, SerializedCommit, Store, StoredVersion, StoreQuery, StoreWrite } from '../types.ts';
import { CommitQueue } from './commit-queue.ts';
import { DOCUMENT_NUMBERS } from './candidate-selection.ts';
import { countDocuments, findRecords, matchKeysOf } from './document-query.ts';
import { JournalFile, type StoreLogger } from './journal-file.ts';
import { currentVersion, MemoryState, toStoredVersion } from './memory-state.ts';
import { parseJournalRecord } from './record-codec.ts';
import { referenceKeysOf, referenceTargetsOf } from './reference-keys.ts';
import { readSnapshot, writeSnapshot } from './snapshot.ts';
import { pageVersions } from './version-history.ts';

export interface EmbeddedStoreOptions {
  /** The data directory; created if missing. One process at a time may open it. */
  dir: string;
  logger?: StoreLogger;
  /** Compact the journal into a snapshot after this many commits (default 10,000). */
  compactEvery?: number;
}

const SILENT: StoreLogger = { info() {}, warn() {} };

export class EmbeddedStore implements Store {
  private state = new MemoryState();
  private queue: CommitQueue | undefined;
  private journal: JournalFile | undefined;
  private readonly logger: StoreLogger;
  private readonly journalPath: string;
  private readonly snapshotPath: string;

  constructor(private readonly options: EmbeddedStoreOptions) {
    this.logger = options.logger ?? SILENT;
    this.journalPath = join(options.dir, 'journal.log');
    this.snapshotPath = join(options.dir, 'snapshot.dat');
  }

  async open(): Promise<void> {
    if (this.queue) throw new Error('embedded store: already open');
    const started = Date.now();
    await mkdir(this.options.dir, { recursive: true });
    await rm(`${this.snapshotPath}.tmp`, { force: true }); // an unfinished compaction
    const state = new MemoryState();
    const snapshotSequence = (await exists(this.snapshotPath)) ? await readSnapshot(this.snapshotPath, state) : 0;
    let lastSequence = snapshotSequence;
    let replayed = 0;
    const journal = await JournalFile.replayAndOpen(this.journalPath, this.logger, (payload) => {
      const record = parseJournalRecord(payload);
      // Records a snapshot already holds are still here if a crash came between the rename and the truncation.
      if (record.sequence <= snapshotSequence) return;
      for (const write of record.writes) state.apply(write);
      lastSequence = record.sequence;
      replayed++;
    });
    await syncDirectory(this.options.dir);
    this.state = state;
    this.journal = journal;
    this.queue = new CommitQueue({
      state,
      journal,
      logger: this.logger,
      lastSequence,
      compactEvery: this.options.compactEvery ?? 10_000,
      compact: (sequence) => this.compact(sequence),
    });
    this.logger.info(
      { dir: this.options.dir, resources: state.records.size, journalRecords: replayed, ms: Date.now() - started },
      'embedded store opened',
    );
  }

  async close(): Promise<void> {
    const queue = this.queue;
    if (!queue) return;
    try {
      await queue.compactIfJournaled();
    } finally {
      this.queue = undefined;
      await this.journal?.close();
      this.journal = undefined;
      this.state = new MemoryState();
    }
  }

  async read(type: string, id: string): Promise<StoredVersion | undefined> {
    const record = this.openState().records.get(`${type}/${id}`);
    return record && toStoredVersion(currentVersion(record));
  }

  async readVersion(type: string, id: string, vid: number): Promise<StoredVersion | undefined> {
    const version = this.openState().records.get(`${type}/${id}`)?.versions.find((v) => v.vid === vid);
    return version && toStoredVersion(version);
  }

  async history(query: HistoryQuery): Promise<{ versions: StoredVersion[]; total: number }> {
    const state = this.openState();
    let page;
    if (query.type !== undefined && query.id !== undefined) {
      page = pageVersions(state.records.get(`${query.type}/${query.id}`)?.versions ?? [], query);
    } else if (query.type !== undefined) {
      page = state.versionsByType.get(query.type)?.page(query) ?? { versions: [], total: 0 };
    } else if (query.id !== undefined) {
      page = pageVersions(state.allVersions.values().filter((v) => v.id === query.id), query);
    } else {
      page = state.allVersions.page(query);
    }
    return { versions: page.versions.map(toStoredVersion), total: page.total };
  }

  async find(query: StoreQuery): Promise<StoredVersion[]> {
    return findRecords(this.openState(), query).map((record) => toStoredVersion(currentVersion(record)));
  }

  async count(filter: Filter): Promise<number> {
    return countDocuments(this.openState(), filter);
  }

  async referenceKeys(filter: Filter, prefix: string): Promise<string[]> {
    return referenceKeysOf(this.openState(), filter, prefix);
  }

  /** The targets by document number: valid for this process only, so never kept (search uses it at once). */
  async referenceTargets(filter: Filter, prefix: string, targetType: string): Promise<Filter> {
    return { [DOCUMENT_NUMBERS]: referenceTargetsOf(this.openState(), filter, prefix, targetType) };
  }

  async matchKeys(filter: Filter, sortKeys: string[]): Promise<MatchKeys[]> {
    return matchKeysOf(this.openState(), filter, sortKeys);
  }

  /** Durable once resolved. The writes must not be changed until then. */
  async commit(writes: StoreWrite[]): Promise<void> {
    if (!this.queue) throw new Error('embedded store: not open');
    await this.queue.commit(writes);
  }

  /** commit() of writes whose index entries are serialized (an ingest's prepared writes); durable once resolved. */
  async commitSerialized(commit: SerializedCommit): Promise<void> {
    if (!this.queue) throw new Error('embedded store: not open');
    await this.queue.commitSerialized(commit);
  }

  private openState(): MemoryState {
    if (!this.queue) throw new Error('embedded store: not open');
    return this.state;
  }

  private async compact(lastSequence: number): Promise<void> {
    const started = Date.now();
    await writeSnapshot(this.snapshotPath, this.state, lastSequence);
    await syncDirectory(this.options.dir);
    await this.journal!.truncate();
    this.logger.info({ dir: this.options.dir, resources: this.state.records.size, ms: Date.now() - started }, 'embedded store compacted');
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

// A rename or a new file is durable only once its directory entry is.
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
