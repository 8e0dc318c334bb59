/**
 * How recorded AuditEvents reach the audit trail's store. The append-only log (audit-log-store.ts) takes each
 * event as it comes and batches its own disk writes; any other Store (MongoDB) gets them in batches here, one
 * commit at a time, so a slow store sees fewer, larger commits instead of a queue of small ones.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { extractIndexEntries } from '../search/extract.ts';
import type { Store, StoreWrite } from '../store/types.ts';

export interface EventWriter {
  /**
   * Takes one event to record, in its stored form (storeWriteOf). `idChosen`: the server chose the id (a
   * disclosure ledger entry's hash), so it may come again; it is recorded once.
   */
  write(write: StoreWrite, idChosen: boolean): void;
  /** Resolves once every event written so far is durable. */
  flush(): Promise<void>;
}

export function isEventWriter(store: Store): store is Store & EventWriter {
  return typeof (store as Partial<EventWriter>).write === 'function' && typeof (store as Partial<EventWriter>).flush === 'function';
}

/** The stored form of an event: its JSON text and its index entries. */
export function storeWriteOf(event: AuditEvent): StoreWrite {
  const lastUpdated = new Date(event.meta!.lastUpdated!);
  return { type: 'AuditEvent', id: event.id!, vid: 1, lastUpdated, deleted: false, json: JSON.stringify(event), expectedVid: 0, index: extractIndexEntries(event) };
}

/** Events for any Store, committed in batches: the events that came while the previous commit ran. */
export class BatchedStoreWriter implements EventWriter {
  private pending: { write: StoreWrite; idChosen: boolean }[] = [];
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: Store,
    private readonly logger?: Logger,
  ) {}

  write(write: StoreWrite, idChosen: boolean): void {
    this.pending.push({ write, idChosen });
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
      await this.store.commit(await this.withoutRecorded(batch));
    } catch (err) {
      this.logger?.error({ err, events: batch.length }, 'audit events could not be written');
    }
  }

  /** The batch without events already recorded (a second copy would refuse the whole batch). */
  private async withoutRecorded(batch: { write: StoreWrite; idChosen: boolean }[]): Promise<StoreWrite[]> {
    const chosen = new Set<string>();
    const kept: StoreWrite[] = [];
    for (const { write, idChosen } of batch) {
      if (idChosen) {
        if (chosen.has(write.id) || (await this.store.read('AuditEvent', write.id)) !== undefined) continue;
        chosen.add(write.id);
      }
      kept.push(write);
    }
    return kept;
  }
}
