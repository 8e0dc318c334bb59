/**
 * How recorded AuditEvents reach the audit trail's store. The append-only log (audit-log-store.ts) takes each
 * event as it comes and batches its own disk writes; any other Store (MongoDB) gets them in batches here, one
 * commit at a time, so a slow store sees fewer, larger commits instead of a queue of small ones.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { extractIndexEntries } from '../search/extract.ts';
import type { IndexEntries, Store, StoreWrite } from '../store/types.ts';

export interface EventWriter {
  /**
   * Takes one event to record (its id and meta already set). `idChosen`: the server chose the id (a disclosure
   * ledger entry's hash), so it may come again; it is recorded once. `index`: its index entries when the caller
   * has them (request-index-cache.ts); else they are extracted.
   */
  write(event: AuditEvent, idChosen: boolean, index?: IndexEntries): void;
  /** Resolves once every event written so far is durable. */
  flush(): Promise<void>;
}

export function isEventWriter(store: Store): store is Store & EventWriter {
  return typeof (store as Partial<EventWriter>).write === 'function' && typeof (store as Partial<EventWriter>).flush === 'function';
}

/** The stored form of an event: its JSON text and its index entries. */
export function storeWriteOf(event: AuditEvent, index: IndexEntries = extractIndexEntries(event)): StoreWrite {
  const lastUpdated = new Date(event.meta!.lastUpdated!);
  return { type: 'AuditEvent', id: event.id!, vid: 1, lastUpdated, deleted: false, json: JSON.stringify(event), expectedVid: 0, index };
}

/** Events for any Store, committed in batches: the events that came while the previous commit ran. */
export class BatchedStoreWriter implements EventWriter {
  private pending: { event: AuditEvent; idChosen: boolean; index?: IndexEntries }[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly logger?: Logger,
  ) {}

  write(event: AuditEvent, idChosen: boolean, index?: IndexEntries): void {
    this.pending.push({ event, idChosen, index });
    if (this.pending.length === 1) this.writing = this.writing.then(() => this.writeBatch());
  }

  async flush(): Promise<void> {
    for (;;) {
      if (this.pending.length > 0) this.writing = this.writing.then(() => this.writeBatch());
      const current = this.writing;
      await current;
      if (current === this.writing && this.pending.length === 0) return;
    }
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    try {
      await this.store.commit((await this.withoutRecorded(batch)).map(({ event, index }) => storeWriteOf(event, index)));
    } catch (err) {
      this.logger?.error({ err, events: batch.length }, 'audit events could not be written');
    }
  }

  /** The batch without events already recorded (a second copy would refuse the whole batch). */
  private async withoutRecorded<T extends { event: AuditEvent; idChosen: boolean }>(batch: T[]): Promise<T[]> {
    const chosen = new Set<string>();
    const kept: T[] = [];
    for (const entry of batch) {
      const id = entry.event.id!;
      if (entry.idChosen) {
        if (chosen.has(id) || (await this.store.read('AuditEvent', id)) !== undefined) continue;
        chosen.add(id);
      }
      kept.push(entry);
    }
    return kept;
  }
}
