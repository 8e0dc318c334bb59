/**
 * Builders for the writes the store contract commits. Index entries are written by hand (not extracted by
 * server/search) so the contract tests the store alone.
 */
import { emptyIndexEntries, type IndexEntries, type StoreWrite } from '../../server/store/types.ts';

const EPOCH = Date.UTC(2024, 0, 1);

/** A distinct, increasing instant per step, so history order is predictable. */
export function instant(step: number): Date {
  return new Date(EPOCH + step * 60_000);
}

export interface WriteOptions {
  vid?: number;
  expectedVid?: number;
  at?: Date;
  body?: Record<string, unknown>;
  index?: Partial<IndexEntries>;
}

/** A new or updated version; vid defaults to 1 and expectedVid to vid - 1. */
export function put(type: string, id: string, options: WriteOptions = {}): StoreWrite {
  const vid = options.vid ?? 1;
  const lastUpdated = options.at ?? instant(vid);
  const resource = {
    resourceType: type,
    id,
    meta: { versionId: String(vid), lastUpdated: lastUpdated.toISOString() },
    ...options.body,
  };
  return {
    type,
    id,
    vid,
    lastUpdated,
    deleted: false,
    json: JSON.stringify(resource),
    expectedVid: options.expectedVid ?? vid - 1,
    index: { ...emptyIndexEntries(), ...options.index },
  };
}

/** A deletion: a tombstone version with no body and no index entries. */
export function remove(type: string, id: string, vid: number, at = instant(vid)): StoreWrite {
  return { type, id, vid, lastUpdated: at, deleted: true, json: '', expectedVid: vid - 1, index: emptyIndexEntries() };
}

/** The "Type/id" of each version, for order-sensitive assertions. */
export function refsOf(versions: { type: string; id: string }[]): string[] {
  return versions.map((v) => `${v.type}/${v.id}`);
}
