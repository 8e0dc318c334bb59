/**
 * Orders commits: each is version-checked the moment it arrives (against the stored state plus every commit
 * still on its way to disk, so two concurrent commits can never both pass for the same resource), then journaled,
 * then applied in memory in arrival order once durable. Readers therefore never see a write that a crash could
 * still take away. Compaction runs between journal batches, so it sees a state no commit is changing.
 */
import type { SerializedCommit, SerializedStoreWrite, StoreWrite } from '../types.ts';
import { FrameRoom, type RecordWithBodies } from './framing.ts';
import type { JournalFile, StoreLogger } from './journal-file.ts';
import type { MemoryState } from './memory-state.ts';
import { decodeSerializedWrite, encodeWrite, journalRecord, serializedJournalRecord, type EncodedWrite, type JournalRecord } from './record-codec.ts';
import { checkExpectedVersions } from './version-check.ts';

interface QueuedCommit {
  writes: readonly { type: string; id: string }[];
  /** The writes as the state applies them, asked for once they are durable. */
  encoded(): Iterable<EncodedWrite>;
  /** The journal record (framed when it is journaled: FrameRoom.addWithBodies). */
  record: RecordWithBodies;
  sequence: number;
  resolve(): void;
  reject(err: Error): void;
}

export interface CommitQueueOptions {
  state: MemoryState;
  journal: JournalFile;
  logger: StoreLogger;
  /** The sequence number of the last record already in the state (from the snapshot and journal). */
  lastSequence: number;
  compactEvery: number;
  /** Writes a snapshot holding every record up to lastSequence, then empties the journal. */
  compact(lastSequence: number): Promise<void>;
}

export class CommitQueue {
  private readonly inFlightVids = new Map<string, { vid: number; writes: number }>();
  private waiting: QueuedCommit[] = [];
  private draining: Promise<void> | undefined;
  private failure: Error | undefined;
  /** Where the records are framed on their way to disk: only drain() uses it, one batch at a time. */
  private readonly frames = new FrameRoom();
  private nextSequence: number;
  private appliedSequence: number;
  private recordsSinceSnapshot = 0;

  constructor(private readonly options: CommitQueueOptions) {
    this.nextSequence = options.lastSequence + 1;
    this.appliedSequence = options.lastSequence;
  }

  commit(writes: StoreWrite[]): Promise<void> {
    return this.enqueue(writes, (sequence) => {
      const encoded: JournalRecord = { sequence, writes: writes.map(encodeWrite) };
      return { record: journalRecord(encoded), encoded: () => encoded.writes };
    });
  }

  /**
   * commit() of writes whose index entries are coded (SerializedCommit): they are journaled as they are, and decoded
   * only when applied, so a bulk load's entries are short-lived objects rather than ones waiting on the fsync.
   */
  commitSerialized(commit: SerializedCommit): Promise<void> {
    return this.enqueue(commit.writes, (sequence) => ({ record: serializedJournalRecord(sequence, commit), encoded: () => decodedOneByOne(commit) }));
  }

  private enqueue(
    writes: readonly (StoreWrite | SerializedStoreWrite)[],
    journal: (sequence: number) => { record: RecordWithBodies; encoded(): Iterable<EncodedWrite> },
  ): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    try {
      checkExpectedVersions(writes, (documentId) => this.latestVid(documentId));
    } catch (err) {
      return Promise.reject(err as Error);
    }
    if (writes.length === 0) return Promise.resolve();
    const sequence = this.nextSequence++;
    const { record, encoded } = journal(sequence);
    this.holdVersions(writes);
    return new Promise((resolve, reject) => {
      this.waiting.push({ writes, encoded, record, sequence, resolve, reject });
      this.startDraining();
    });
  }

  /** Resolves once every commit made so far is durable and applied. */
  async flush(): Promise<void> {
    while (this.draining) await this.draining;
    if (this.failure) throw this.failure;
  }

  /** Compacts now if anything was journaled since the last snapshot (used at close). */
  async compactIfJournaled(): Promise<void> {
    await this.flush();
    if (this.recordsSinceSnapshot > 0) await this.compact();
  }

  private latestVid(documentId: string): number {
    return this.inFlightVids.get(documentId)?.vid ?? this.options.state.currentVid(documentId);
  }

  private holdVersions(writes: readonly { type: string; id: string; vid: number }[]): void {
    for (const write of writes) {
      const documentId = `${write.type}/${write.id}`;
      const held = this.inFlightVids.get(documentId);
      if (held) {
        held.vid = write.vid;
        held.writes++;
      } else {
        this.inFlightVids.set(documentId, { vid: write.vid, writes: 1 });
      }
    }
  }

  private releaseVersions(writes: readonly { type: string; id: string }[]): void {
    for (const write of writes) {
      const documentId = `${write.type}/${write.id}`;
      const held = this.inFlightVids.get(documentId);
      if (held && --held.writes === 0) this.inFlightVids.delete(documentId);
    }
  }

  private startDraining(): void {
    if (this.draining) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // A commit may have arrived after drain() saw an empty queue but before this callback ran.
      if (this.waiting.length > 0 && !this.failure) this.startDraining();
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      try {
        for (const commit of batch) this.frames.addWithBodies(commit.record);
        await this.options.journal.appendDurably(this.frames.take());
      } catch (err) {
        this.failAll(batch, err as Error);
        return;
      }
      for (const commit of batch) {
        for (const write of commit.encoded()) this.options.state.apply(write);
        this.releaseVersions(commit.writes);
        this.appliedSequence = commit.sequence;
        commit.resolve();
      }
      this.recordsSinceSnapshot += batch.length;
      if (this.recordsSinceSnapshot >= this.options.compactEvery) await this.compactOrWarn();
    }
  }

  private async compact(): Promise<void> {
    await this.options.compact(this.appliedSequence);
    this.recordsSinceSnapshot = 0;
  }

  // A failed compaction loses nothing (the journal still holds every record), so writes go on; try again later.
  private async compactOrWarn(): Promise<void> {
    try {
      await this.compact();
    } catch (err) {
      this.recordsSinceSnapshot = 0;
      this.options.logger.warn({ err }, 'embedded store: compaction failed; the journal keeps growing until it succeeds');
    }
  }

  // After a failed journal write the file may hold part of a record; accepting more commits could bury it in the
  // middle of the journal, where replay treats it as corruption. Refuse writes until the store is reopened.
  private failAll(batch: QueuedCommit[], cause: Error): void {
    this.failure = new Error(`embedded store: the journal could not be written (${cause.message}); reopen the store`, {
      cause,
    });
    for (const commit of [...batch, ...this.waiting]) {
      this.releaseVersions(commit.writes);
      commit.reject(this.failure);
    }
    this.waiting = [];
  }
}

// Each write's entries are decoded just before it is applied and dropped right after, so they die young: decoding a
// whole commit first would keep megabytes alive through a scavenge, to be copied and promoted for nothing. The
// string table is parsed once for the commit.
function* decodedOneByOne({ indexTable, writes }: SerializedCommit): Generator<EncodedWrite> {
  const strings = JSON.parse(indexTable) as string[];
  for (const write of writes) yield decodeSerializedWrite(strings, write);
}
