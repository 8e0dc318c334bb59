/**
 * The audit trail: AuditEvents appended to their own store (never updated or deleted; no REST write reaches it),
 * written off the request path (event-writer.ts), searchable by site administrators through the FHIR search engine.
 * https://profiles.ihe.net/ITI/BALP/content.html
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Filter, HistoryQuery, Store, StoredVersion, StoreQuery, StoreWrite } from '../store/types.ts';
import type { AccessRecord } from './balp-audit-event.ts';
import { BatchedStoreWriter, isEventWriter, storeWriteOf, type EventWriter } from './event-writer.ts';
import { RequestEventCache } from './request-event-cache.ts';

/** How long after its answer a request's AuditEvent is made, at most (with the others answered meanwhile). */
const BATCH_MS = 10;
/** Events made in one turn of the event loop, at most: a burst is worked off in slices, between responses. */
const SLICE = 500;

interface Answered {
  facts: unknown;
  describe(facts: unknown): AccessRecord;
  lastUpdated: number;
}

export class AuditTrail {
  private readonly writer: EventWriter;
  /** Requests answered whose events are not made yet (see record). */
  private answered: Answered[] = [];
  private batch: NodeJS.Timeout | undefined;
  private readonly requestEvents: RequestEventCache;
  /** Background tasks that record events (a catch-up at start), which `flush` waits for. */
  private tasks: Promise<unknown>[] = [];
  /** The store as readers see it: reads and searches, no writes. */
  readonly readOnly: Store;

  constructor(
    private readonly store: Store,
    private readonly serverName: string,
    private readonly logger?: Logger,
  ) {
    this.readOnly = new ReadOnlyStore(store);
    this.writer = isEventWriter(store) ? store : new BatchedStoreWriter(store, logger);
    this.requestEvents = new RequestEventCache(serverName);
  }

  /**
   * Records one request from what the HTTP layer kept of it (`facts`, which `describe` makes its AccessRecord).
   * Its AuditEvent is made, indexed and written with those of the requests answered in the same few milliseconds:
   * done together, away from the responses, that costs far less than one event between each two responses.
   */
  record<T>(facts: T, describe: (facts: T) => AccessRecord): void {
    this.answered.push({ facts, describe: describe as Answered['describe'], lastUpdated: Date.now() });
    this.batch ??= setTimeout(() => this.recordAnswered(), BATCH_MS).unref();
  }

  /** Records an event the server shaped itself (its own id, or a fresh one). */
  append(shaped: AuditEvent): void {
    const event: AuditEvent = { ...shaped, id: shaped.id ?? randomUUID(), meta: { ...shaped.meta, versionId: '1', lastUpdated: new Date().toISOString() } };
    this.writer.write(storeWriteOf(event), shaped.id !== undefined);
  }

  /** Whether an event with this id is already in the store. */
  async has(id: string): Promise<boolean> {
    return (await this.store.read('AuditEvent', id)) !== undefined;
  }

  /** The server name events are recorded under. */
  get server(): string {
    return this.serverName;
  }

  /** Resolves once everything recorded so far (and by the tasks `includeInFlush` named) is in the store. */
  async flush(): Promise<void> {
    while (this.tasks.length > 0) {
      const tasks = this.tasks;
      this.tasks = [];
      await Promise.allSettled(tasks);
    }
    while (this.answered.length > 0) this.recordAnswered();
    await this.writer.flush();
  }

  private recordAnswered(): void {
    clearTimeout(this.batch);
    this.batch = undefined;
    const slice = this.answered.splice(0, SLICE);
    for (const { facts, describe, lastUpdated } of slice) {
      try {
        this.writer.write(this.requestEvents.storeWriteOf(describe(facts), randomUUID(), new Date(lastUpdated)), false);
      } catch (err) {
        this.logger?.error({ err }, 'an audit event could not be made');
      }
    }
    if (this.answered.length > 0) this.batch = setTimeout(() => this.recordAnswered(), 0).unref();
  }

  /** Makes `flush` wait for a task that records events in the background (a catch-up at start). */
  includeInFlush(task: Promise<unknown>): void {
    this.tasks.push(task);
  }
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
