/**
 * The main thread's share of a parallel ingest: version each prepared resource against the store, leave it alone
 * when it is what is stored already (a re-ingest), and commit the rest in one atomic commit per call — the same
 * documents a WriteSession would write (meta.versionId and meta.lastUpdated set by the server).
 * https://hl7.org/fhir/R4/http.html#update
 */
import type { Store, StoreWrite } from '../store/types.ts';
import type { SummaryCounter } from './ingest-summary.ts';
import { storedJson, type PreparedResource } from './prepare-unit.ts';

export class PreparedStoreWriter {
  constructor(private readonly store: Store) {}

  async write(resources: PreparedResource[], counter: SummaryCounter): Promise<void> {
    const now = new Date();
    const lastUpdated = now.toISOString();
    const staged = new Map<string, StoreWrite>();
    const writes: StoreWrite[] = [];
    for (const resource of resources) {
      const key = `${resource.type}/${resource.id}`;
      const current = staged.get(key) ?? (await this.store.read(resource.type, resource.id));
      // Unchanged: what is stored is exactly what this resource would have been stored as, at that version and time.
      if (current && !current.deleted && current.json === storedJson(resource, current.vid, current.lastUpdated.toISOString())) {
        counter.count(resource.type, 'unchanged');
        continue;
      }
      const vid = (current?.vid ?? 0) + 1;
      const write: StoreWrite = {
        type: resource.type, id: resource.id, vid, lastUpdated: now, deleted: false,
        json: storedJson(resource, vid, lastUpdated), expectedVid: current?.vid ?? 0, index: resource.index,
      };
      writes.push(write);
      staged.set(key, write);
      counter.count(resource.type, 'written');
    }
    if (writes.length > 0) await this.store.commit(writes);
  }
}
