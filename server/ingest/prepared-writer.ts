/**
 * The main thread's share of a parallel ingest: version each prepared resource against the store, leave it alone
 * when it is what is stored already (a re-ingest), and commit the rest in one atomic commit per call — the same
 * documents a WriteSession would write (meta.versionId and meta.lastUpdated set by the server).
 * https://hl7.org/fhir/R4/http.html#update
 */
import type { SerializedStoreWrite, Store, StoredVersion, StoreWrite } from '../store/types.ts';
import type { SummaryCounter } from './ingest-summary.ts';
import { storedJson, type PreparedResource } from './prepare-unit.ts';

export class PreparedStoreWriter {
  constructor(private readonly store: Store) {}

  /** The resources come with their index entries serialized exactly when the store has commitSerialized. */
  async write(resources: PreparedResource[], counter: SummaryCounter): Promise<void> {
    const now = new Date();
    const lastUpdated = now.toISOString();
    const staged = new Map<string, StoredVersion>();
    const writes: StoreWrite[] = [];
    const serialized: SerializedStoreWrite[] = [];
    for (const resource of resources) {
      const key = `${resource.type}/${resource.id}`;
      const current = staged.get(key) ?? (await this.store.read(resource.type, resource.id));
      // Unchanged: what is stored is exactly what this resource would have been stored as, at that version and time.
      if (current && !current.deleted && current.json === storedJson(resource, current.vid, current.lastUpdated.toISOString())) {
        counter.count(resource.type, 'unchanged');
        continue;
      }
      const vid = (current?.vid ?? 0) + 1;
      const version = { type: resource.type, id: resource.id, vid, lastUpdated: now, deleted: false, json: storedJson(resource, vid, lastUpdated), expectedVid: current?.vid ?? 0 };
      if (resource.indexJson !== undefined) serialized.push({ ...version, indexJson: resource.indexJson });
      else writes.push({ ...version, index: resource.index! });
      staged.set(key, version);
      counter.count(resource.type, 'written');
    }
    // One of the two is empty: an ingest prepares every resource the same way.
    if (serialized.length > 0) await this.store.commitSerialized!(serialized);
    if (writes.length > 0) await this.store.commit(writes);
  }
}
