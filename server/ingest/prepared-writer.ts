/**
 * The main thread's share of a parallel ingest: version each prepared resource against the store, leave it alone
 * when it is what is stored already (a re-ingest), and commit the rest in one atomic commit per call — the same
 * documents a WriteSession would write (meta.versionId and meta.lastUpdated set by the server).
 * https://hl7.org/fhir/R4/http.html#update
 *
 * A store with commitSerialized orders commits as they are made, so the next batch is versioned and handed over
 * while the last one's journal record is still being written and synced, instead of the thread idling on the disk.
 * The versions on their way to disk are kept here, so a resource that recurs in the next batch (a shared
 * Organization) is versioned on top of them.
 */
import type { SerializedStoreWrite, Store, StoredVersion, StoreWrite } from '../store/types.ts';
import type { SummaryCounter } from './ingest-summary.ts';
import { storedJson, type PreparedResource, type PreparedUnits } from './prepare-unit.ts';

export class PreparedStoreWriter {
  /** `Type/id` -> the version that a commit not yet durable writes (the latest such commit's). */
  private readonly notYetDurable = new Map<string, StoredVersion>();
  /** Settles once the last call has handed its commit to the store: the next call versions after that. */
  private handedOver: Promise<void> = Promise.resolve();

  constructor(private readonly store: Store) {}

  /**
   * Versions and commits the resources; resolves once they are durable. The next call need not wait for that:
   * calls are committed in the order they are made. The resources come with their index entries coded (and the
   * batch with their string table) exactly when the store has commitSerialized.
   */
  async write({ resources, indexTable }: Pick<PreparedUnits, 'resources' | 'indexTable'>, counter: SummaryCounter): Promise<void> {
    const previous = this.handedOver;
    let handOver!: () => void;
    this.handedOver = new Promise((resolve) => (handOver = resolve));
    let staged: Map<string, StoredVersion> | undefined;
    let durable: Promise<void> = Promise.resolve(); // nothing to commit when every resource is unchanged
    try {
      await previous;
      const versioned = await this.version(resources, counter);
      staged = versioned.staged;
      for (const [key, version] of staged) this.notYetDurable.set(key, version);
      // One of the two is empty: an ingest prepares every resource the same way. A plain commit() promises no order
      // between calls, so the next call waits until it is durable.
      if (versioned.serialized.length > 0) durable = this.store.commitSerialized!({ indexTable: indexTable!, writes: versioned.serialized });
      else if (versioned.writes.length > 0) await (durable = this.store.commit(versioned.writes));
    } catch (err) {
      this.forget(staged);
      throw err;
    } finally {
      handOver();
    }
    try {
      await durable;
    } finally {
      this.forget(staged); // durable (the store answers for them now) or refused (the store holds what came before)
    }
  }

  private async version(resources: PreparedResource[], counter: SummaryCounter) {
    const now = new Date();
    const lastUpdated = now.toISOString();
    const staged = new Map<string, StoredVersion>();
    const writes: StoreWrite[] = [];
    const serialized: SerializedStoreWrite[] = [];
    for (const resource of resources) {
      const key = `${resource.type}/${resource.id}`;
      const current = staged.get(key) ?? this.notYetDurable.get(key) ?? (await this.store.read(resource.type, resource.id));
      // Unchanged: what is stored is exactly what this resource would have been stored as, at that version and time.
      if (current && !current.deleted && current.json === storedJson(resource, current.vid, current.lastUpdated.toISOString())) {
        counter.count(resource.type, 'unchanged');
        continue;
      }
      const vid = (current?.vid ?? 0) + 1;
      const version = { type: resource.type, id: resource.id, vid, lastUpdated: now, deleted: false, json: storedJson(resource, vid, lastUpdated), expectedVid: current?.vid ?? 0 };
      if (resource.indexCoded !== undefined) serialized.push({ ...version, indexCoded: resource.indexCoded });
      else writes.push({ ...version, index: resource.index! });
      staged.set(key, version);
      counter.count(resource.type, 'written');
    }
    return { staged, writes, serialized };
  }

  private forget(staged: Map<string, StoredVersion> | undefined): void {
    for (const [key, version] of staged ?? []) if (this.notYetDurable.get(key) === version) this.notYetDurable.delete(key);
  }
}
