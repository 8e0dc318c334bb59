/**
 * The audit trail: AuditEvents appended to their own store (never updated or deleted; no REST write reaches it),
 * written in batches off the request path, searchable by site administrators through the FHIR search engine.
 * https://profiles.ihe.net/ITI/BALP/content.html
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { extractIndexEntries } from '../search/extract.ts';
import type { Filter, HistoryQuery, Store, StoredVersion, StoreQuery, StoreWrite } from '../store/types.ts';
import { auditEventOf, type AccessRecord } from './balp-audit-event.ts';

export class AuditTrail {
  private pending: AuditEvent[] = [];
  /** Pending events whose id the server chose (not a fresh UUID): the ones that may already be recorded. */
  private readonly chosenIds = new WeakSet<AuditEvent>();
  private writing: Promise<void> = Promise.resolve();
  /** The store as readers see it: reads and searches, no writes. */
  readonly readOnly: Store;

  constructor(
    private readonly store: Store,
    private readonly serverName: string,
    private readonly logger?: Logger,
  ) {
    this.readOnly = new ReadOnlyStore(store);
  }

  /** Records one request; written with the next batch. */
  record(record: AccessRecord): void {
    this.append(auditEventOf(record, this.serverName));
  }

  /**
   * Records an event the server shaped itself (its own id, or a fresh one); written with the next batch. Only the
   * id and time are set here: serializing and indexing wait for the batch, after the response has left.
   */
  append(shaped: AuditEvent): void {
    const event: AuditEvent = { ...shaped, id: shaped.id ?? randomUUID(), meta: { ...shaped.meta, versionId: '1', lastUpdated: new Date().toISOString() } };
    if (shaped.id !== undefined) this.chosenIds.add(event);
    this.pending.push(event);
    if (this.pending.length === 1) this.writing = this.writing.then(() => this.writeBatch());
  }

  /** Whether an event with this id is already in the store (pending ones are not). */
  async has(id: string): Promise<boolean> {
    return (await this.store.read('AuditEvent', id)) !== undefined;
  }

  /** The server name events are recorded under. */
  get server(): string {
    return this.serverName;
  }

  /** Resolves once everything recorded so far (and by the tasks `includeInFlush` named) is in the store. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.pending.length > 0) this.writing = this.writing.then(() => this.writeBatch());
      const current = this.writing;
      await current;
      if (current === this.writing && this.pending.length === 0) return;
    }
  }

  /** Makes `flush` wait for a task that records events in the background (a catch-up at start). */
  includeInFlush(task: Promise<unknown>): void {
    this.writing = this.writing.then(() => task.then(() => undefined, () => undefined));
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      const events = await this.withoutRecorded(batch);
      await this.store.commit(events.map(storeWriteOf));
    } catch (err) {
      this.logger?.error({ err, events: batch.length }, 'audit events could not be written');
    }
  }

  /**
   * The batch without events already recorded: an id the server chose (a disclosure ledger entry's hash) may come
   * again, and a second copy would refuse the whole batch. Fresh ids are never looked up.
   */
  private async withoutRecorded(batch: AuditEvent[]): Promise<AuditEvent[]> {
    const chosen = new Set<string>();
    const events: AuditEvent[] = [];
    for (const event of batch) {
      if (this.chosenIds.has(event)) {
        if (chosen.has(event.id!) || (await this.has(event.id!))) continue;
        chosen.add(event.id!);
      }
      events.push(event);
    }
    return events;
  }
}

function storeWriteOf(event: AuditEvent): StoreWrite {
  const lastUpdated = new Date(event.meta!.lastUpdated!);
  return { type: 'AuditEvent', id: event.id!, vid: 1, lastUpdated, deleted: false, json: JSON.stringify(event), expectedVid: 0, index: extractIndexEntries(event) };
}

class ReadOnlyStore implements Store {
  constructor(private readonly inner: Store) {}
  open = () => Promise.resolve();
  close = () => Promise.resolve();
  read = (type: string, id: string): Promise<StoredVersion | undefined> => this.inner.read(type, id);
  readVersion = (type: string, id: string, vid: number) => this.inner.readVersion(type, id, vid);
  history = (query: HistoryQuery) => this.inner.history(query);
  find = (query: StoreQuery) => this.inner.find(query);
  count = (filter: Filter) => this.inner.count(filter);
  commit(_writes: StoreWrite[]): Promise<void> {
    return Promise.reject(new Error('The audit trail is append-only; it is written by the server alone'));
  }
}
