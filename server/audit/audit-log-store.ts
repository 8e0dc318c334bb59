/**
 * The audit trail's Store on a site's own disk: an append-only log, so none of the embedded store's journal
 * records or snapshots. The AuditEvents themselves are the durable form (event-segments.ts); searches run on the
 * embedded store's in-memory documents and inverted index, rebuilt from the segments in the background after a
 * start (reads wait for it, writes do not). Events are only ever added: a write that replaces, deletes or reuses
 * an id is refused. https://profiles.ihe.net/ITI/BALP/content.html
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { extractIndexEntries } from '../search/extract.ts';
import { countDocuments, findRecords } from '../store/embedded/document-query.ts';
import type { StoreLogger } from '../store/embedded/journal-file.ts';
import { currentVersion, MemoryState, toStoredVersion } from '../store/embedded/memory-state.ts';
import { encodeWrite } from '../store/embedded/record-codec.ts';
import { pageVersions } from '../store/embedded/version-history.ts';
import { StoreConflictError, type Filter, type HistoryQuery, type Store, type StoredVersion, type StoreQuery, type StoreWrite } from '../store/types.ts';
import { migrateEmbeddedAuditStore } from './legacy-audit-store.ts';
import { EventSegments, readSegment, type SegmentExtent } from './event-segments.ts';

export interface AuditLogStoreOptions {
  dir: string;
  logger?: StoreLogger;
  /** Bytes after which a new segment file is begun (default 64 MiB). */
  segmentBytes?: number;
}

export class AuditLogStore implements Store {
  private state = new MemoryState();
  private segments: EventSegments | undefined;
  /** Settles once the events already on disk are searchable; every commit is applied after it. */
  private indexed: Promise<void> = Promise.resolve();
  private writing: Promise<void> = Promise.resolve();
  /** Ids committed but not yet applied to the state, so a second commit of one is refused too. */
  private readonly inFlight = new Set<string>();

  constructor(private readonly options: AuditLogStoreOptions) {}

  async open(): Promise<void> {
    if (this.segments) throw new Error('audit log: already open');
    await migrateEmbeddedAuditStore(this.options.dir, this.options.logger);
    const { segments, existing, cutBytes } = await EventSegments.open(this.options.dir, this.options.segmentBytes);
    if (cutBytes > 0) this.options.logger?.warn({ dir: this.options.dir, cutBytes }, 'audit log: cut a torn last write (interrupted by a crash, never reported written)');
    this.segments = segments;
    this.state = new MemoryState();
    this.indexed = this.replay(existing);
    // A damaged segment fails the reads (through `indexed`), never the writes: new events still reach the disk.
    this.indexed.catch((err: unknown) => this.options.logger?.warn({ err, dir: this.options.dir }, 'audit log: the events on disk could not all be read back'));
  }

  async close(): Promise<void> {
    const segments = this.segments;
    if (!segments) return;
    this.segments = undefined;
    await this.writing;
    await this.indexed.catch(() => undefined);
    await segments.close();
    this.state = new MemoryState();
  }

  async read(type: string, id: string): Promise<StoredVersion | undefined> {
    const record = (await this.readyState()).records.get(`${type}/${id}`);
    return record && toStoredVersion(currentVersion(record));
  }

  /** An event has one version, 1. */
  async readVersion(type: string, id: string, vid: number): Promise<StoredVersion | undefined> {
    return vid === 1 ? this.read(type, id) : undefined;
  }

  async history(query: HistoryQuery): Promise<{ versions: StoredVersion[]; total: number }> {
    const state = await this.readyState();
    let page;
    if (query.id !== undefined) {
      const versions = query.type !== undefined ? (state.records.get(`${query.type}/${query.id}`)?.versions ?? []) : state.allVersions.values().filter((v) => v.id === query.id);
      page = pageVersions(versions, query);
    } else {
      page = (query.type !== undefined ? state.versionsByType.get(query.type) : state.allVersions)?.page(query) ?? { versions: [], total: 0 };
    }
    return { versions: page.versions.map(toStoredVersion), total: page.total };
  }

  async find(query: StoreQuery): Promise<StoredVersion[]> {
    return findRecords(await this.readyState(), query).map((record) => toStoredVersion(currentVersion(record)));
  }

  async count(filter: Filter): Promise<number> {
    return countDocuments(await this.readyState(), filter);
  }

  /** Durable once resolved; refused whole if any write is not a new event. */
  commit(writes: StoreWrite[]): Promise<void> {
    const segments = this.segments;
    if (!segments) return Promise.reject(new Error('audit log: not open'));
    try {
      this.checkNew(writes);
    } catch (err) {
      return Promise.reject(err as Error);
    }
    const ids = writes.map((w) => `${w.type}/${w.id}`);
    for (const id of ids) this.inFlight.add(id);
    const done = this.writing.then(async () => {
      try {
        await segments.append(writes.map((w) => w.json));
        await this.indexed.catch(() => undefined);
        for (const write of writes) this.state.apply(encodeWrite(write));
      } finally {
        for (const id of ids) this.inFlight.delete(id);
      }
    });
    this.writing = done.catch(() => undefined);
    return done;
  }

  private checkNew(writes: StoreWrite[]): void {
    const seen = new Set<string>();
    for (const write of writes) {
      if (write.type !== 'AuditEvent') throw new Error(`The audit trail holds AuditEvents only, not ${write.type}`);
      if (write.expectedVid !== 0 || write.vid !== 1 || write.deleted) throw new Error('The audit trail is append-only: events are never replaced or deleted');
      const id = `${write.type}/${write.id}`;
      if (seen.has(id) || this.inFlight.has(id) || this.state.records.has(id)) throw new StoreConflictError(write.type, write.id, 0, 1);
      seen.add(id);
    }
  }

  private async readyState(): Promise<MemoryState> {
    if (!this.segments) throw new Error('audit log: not open');
    await this.indexed;
    return this.state;
  }

  /** Indexes the events on disk, oldest first, yielding now and then so requests are served meanwhile. */
  private async replay(extents: SegmentExtent[]): Promise<void> {
    let events = 0;
    for (const extent of extents) {
      const lines = await readSegment(extent);
      for (let i = 0; i < lines.length; i++) {
        this.state.apply(encodeWrite(writeOf(lines[i], `${extent.path}, line ${i + 1}`)));
        if (++events % REPLAY_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (events > 0) this.options.logger?.info({ dir: this.options.dir, events }, 'audit log: events on disk indexed');
  }
}

/** Events indexed between two turns of the event loop while the log is read back. */
const REPLAY_SLICE = 2000;

function writeOf(line: string, where: string): StoreWrite {
  let event: AuditEvent;
  try {
    event = JSON.parse(line) as AuditEvent;
  } catch (err) {
    throw new Error(`audit log: ${where} is damaged (${(err as Error).message}); restore the segment from a backup`);
  }
  const lastUpdated = new Date(event.meta?.lastUpdated ?? event.recorded);
  return { type: 'AuditEvent', id: event.id!, vid: 1, lastUpdated, deleted: false, json: line, expectedVid: 0, index: extractIndexEntries(event) };
}
