/**
 * The audit trail's Store on a site's own disk: an append-only log. The AuditEvents themselves are the durable
 * form (event-segments.ts), and stay there: memory holds a compact index of them (audit-event-index.ts), which a
 * start rebuilds from the segments in the background (reads wait for it, writes do not). No journal records, no
 * snapshot rewrites, a few hundred bytes of memory an event, and nothing of an event kept while its batch is on
 * its way to disk but its line: an event is indexed (searchable) when it is recorded, and durable with the batch
 * being written (flush() tells when). Events are only ever added: a write that replaces, deletes or reuses an id
 * is refused. https://profiles.ihe.net/ITI/BALP/content.html
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { extractIndexEntries } from '../search/extract.ts';
import type { StoreLogger } from '../store/embedded/journal-file.ts';
import { toMemoryIndexEntries } from '../store/embedded/record-codec.ts';
import { StoreConflictError, type Filter, type HistoryQuery, type Store, type StoredVersion, type StoreQuery, type StoreWrite } from '../store/types.ts';
import { AuditEventIndex, EVENT_TYPE } from './audit-event-index.ts';
import { countEvents, findEvents } from './audit-event-query.ts';
import { EventSegments, type EventLocation, type SegmentExtent } from './event-segments.ts';
import type { EventWriter } from './event-writer.ts';
import { migrateEmbeddedAuditStore } from './legacy-audit-store.ts';

export interface AuditLogStoreOptions {
  dir: string;
  logger?: StoreLogger;
  /** Bytes after which a new segment file is begun (default 64 MiB). */
  segmentBytes?: number;
}

/** Events indexed between two turns of the event loop while the log is read back at start. */
const REPLAY_SLICE = 2000;

export class AuditLogStore implements Store, EventWriter {
  private index = new AuditEventIndex();
  private segments: EventSegments | undefined;
  /** Settles once the events already on disk are indexed. */
  private indexed: Promise<void> = Promise.resolve();
  /**
   * Events recorded while those on disk are still being indexed, to index after them: their lines are written at
   * once (kept here: the line, where it went, and its number among the lines taken), except for an event whose id
   * the server chose, which waits whole until it is known whether that id is recorded already.
   */
  private early: ({ json: string; location: EventLocation; line: number } | { write: StoreWrite })[] | undefined;
  /** Indexed events whose line is not on disk yet (a prefix leaves as the segments report it durable). */
  private unwritten: { line: number; n: number; json: string }[] = [];
  private linesTaken = 0;

  constructor(private readonly options: AuditLogStoreOptions) {}

  async open(): Promise<void> {
    if (this.segments) throw new Error('audit log: already open');
    await migrateEmbeddedAuditStore(this.options.dir, this.options.logger);
    const { segments, existing, cutBytes } = await EventSegments.open(this.options.dir, this.options.segmentBytes);
    if (cutBytes > 0) this.options.logger?.warn({ dir: this.options.dir, cutBytes }, 'audit log: cut a torn last write (interrupted by a crash, never reported written)');
    this.segments = segments;
    this.index = new AuditEventIndex();
    this.early = [];
    this.indexed = this.replay(segments, existing).finally(() => this.addEarly());
    // A damaged segment fails the reads (through `indexed`), never the writes: new events still reach the disk.
    this.indexed.catch((err: unknown) => this.options.logger?.warn({ err, dir: this.options.dir }, 'audit log: the events on disk could not all be read back'));
  }

  async close(): Promise<void> {
    const segments = this.segments;
    if (!segments) return;
    await this.indexed.catch(() => undefined);
    this.segments = undefined;
    await segments.close();
    this.index = new AuditEventIndex();
  }

  write(write: StoreWrite, idChosen: boolean): void {
    if (!this.early) return this.add(write, idChosen);
    if (idChosen) return void this.early.push({ write });
    this.early.push({ json: write.json, location: this.segments!.take(write.json), line: ++this.linesTaken });
  }

  async flush(): Promise<void> {
    await this.indexed.catch(() => undefined);
    await this.segments?.flush();
  }

  async read(type: string, id: string): Promise<StoredVersion | undefined> {
    const index = await this.readyIndex();
    const n = type === EVENT_TYPE ? index.numberOf(`${type}/${id}`) : undefined;
    return n === undefined ? undefined : (await this.versionsOf([n]))[0];
  }

  /** An event has one version, 1. */
  async readVersion(type: string, id: string, vid: number): Promise<StoredVersion | undefined> {
    return vid === 1 ? this.read(type, id) : undefined;
  }

  /** Newest first; an event's history is the event itself. */
  async history(query: HistoryQuery): Promise<{ versions: StoredVersion[]; total: number }> {
    const index = await this.readyIndex();
    const since = query.since?.getTime() ?? -Infinity;
    const before = query.before?.getTime() ?? Infinity;
    let numbers: number[] = [];
    if (query.type === undefined || query.type === EVENT_TYPE) {
      const one = query.id === undefined ? undefined : index.numberOf(`${EVENT_TYPE}/${query.id}`);
      numbers = query.id === undefined ? Array.from({ length: index.size }, (_, n) => n) : one === undefined ? [] : [one];
    }
    const matching = numbers.filter((n) => index.lastUpdatedOf(n) >= since && index.lastUpdatedOf(n) < before);
    // Events are indexed as they are recorded; a clock set back is the one way their order could differ.
    matching.sort((a, b) => index.lastUpdatedOf(b) - index.lastUpdatedOf(a) || b - a);
    const skip = query.skip ?? 0;
    return { versions: await this.versionsOf(matching.slice(skip, skip + query.limit)), total: matching.length };
  }

  async find(query: StoreQuery): Promise<StoredVersion[]> {
    return this.versionsOf(await findEvents(await this.readyIndex(), query, this.readEntries));
  }

  async count(filter: Filter): Promise<number> {
    return countEvents(await this.readyIndex(), filter, this.readEntries);
  }

  /** Durable once resolved; refused whole if any write is not a new event. */
  async commit(writes: StoreWrite[]): Promise<void> {
    if (!this.segments) throw new Error('audit log: not open');
    await this.indexed;
    const seen = new Set<string>();
    for (const write of writes) {
      if (write.type !== EVENT_TYPE) throw new Error(`The audit trail holds AuditEvents only, not ${write.type}`);
      if (write.expectedVid !== 0 || write.vid !== 1 || write.deleted) throw new Error('The audit trail is append-only: events are never replaced or deleted');
      if (seen.has(write.id) || this.index.numberOf(`${EVENT_TYPE}/${write.id}`) !== undefined) throw new StoreConflictError(write.type, write.id, 0, 1);
      seen.add(write.id);
    }
    for (const write of writes) this.add(write, false);
    await this.segments.flush();
  }

  /** Indexes an event and takes its line for the disk; an event whose chosen id is recorded already is left out. */
  private add(write: StoreWrite, idChosen: boolean): void {
    const segments = this.segments;
    if (!segments) throw new Error('audit log: not open');
    if (idChosen && this.index.numberOf(`${EVENT_TYPE}/${write.id}`) !== undefined) return;
    const n = this.index.add(write, segments.take(write.json));
    this.unwritten.push({ line: ++this.linesTaken, n, json: write.json });
    this.forgetWritten();
  }

  /** Indexes the events recorded while the log was read back (their lines were written already). */
  private addEarly(): void {
    const early = this.early ?? [];
    this.early = undefined;
    for (const entry of early) {
      if ('write' in entry) this.add(entry.write, true);
      else this.unwritten.push({ line: entry.line, n: this.index.add(writeOf(entry.json, 'a line written at start'), entry.location), json: entry.json });
    }
    this.forgetWritten();
  }

  private forgetWritten(): void {
    const durable = this.segments?.durableLines ?? 0;
    let written = 0;
    while (written < this.unwritten.length && this.unwritten[written].line <= durable) written++;
    if (written > 0) this.unwritten.splice(0, written);
  }

  private async versionsOf(numbers: number[]): Promise<StoredVersion[]> {
    const index = this.index;
    this.forgetWritten();
    const inMemory = new Map(this.unwritten.map((u) => [u.n, u.json]));
    const onDisk = numbers.filter((n) => !inMemory.has(n));
    const read = await this.segments!.read(onDisk.map((n) => index.location(n)));
    onDisk.forEach((n, i) => inMemory.set(n, read[i]));
    return numbers.map((n) => ({ type: EVENT_TYPE, id: index.id(n), vid: 1, lastUpdated: new Date(index.lastUpdatedOf(n)), deleted: false, json: inMemory.get(n)! }));
  }

  /** The index entries of events, extracted again from their bodies. */
  private readonly readEntries = async (numbers: number[], only?: ReadonlySet<string>) =>
    (await this.versionsOf(numbers)).map((version) => toMemoryIndexEntries(extractIndexEntries(JSON.parse(version.json) as AuditEvent, only)));

  private async readyIndex(): Promise<AuditEventIndex> {
    if (!this.segments) throw new Error('audit log: not open');
    await this.indexed;
    return this.index;
  }

  /** Indexes the events on disk, oldest first, yielding now and then so requests are served meanwhile. */
  private async replay(segments: EventSegments, extents: SegmentExtent[]): Promise<void> {
    let events = 0;
    let repeated = 0;
    for (const extent of extents) {
      for (const { json, location } of await segments.readExtent(extent)) {
        const write = writeOf(json, `segment ${extent.segment}, byte ${location.offset}`);
        // Never written twice by this store; a copied-in segment could hold one again: the first is the record.
        if (this.index.numberOf(`${EVENT_TYPE}/${write.id}`) !== undefined) repeated++;
        else this.index.add(write, location);
        if (++events % REPLAY_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
      }
    }
    if (repeated > 0) this.options.logger?.warn({ dir: this.options.dir, repeated }, 'audit log: events on disk more than once; the first copy of each is kept');
    if (events > 0) this.options.logger?.info({ dir: this.options.dir, events }, 'audit log: events on disk indexed');
  }
}

function writeOf(json: string, where: string): StoreWrite {
  let event: AuditEvent;
  try {
    event = JSON.parse(json) as AuditEvent;
  } catch (err) {
    throw new Error(`audit log: the event at ${where} is damaged (${(err as Error).message}); restore the segment from a backup`);
  }
  const lastUpdated = new Date(event.meta?.lastUpdated ?? event.recorded);
  return { type: EVENT_TYPE, id: event.id!, vid: 1, lastUpdated, deleted: false, json, expectedVid: 0, index: extractIndexEntries(event) };
}
