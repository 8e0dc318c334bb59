/** Version checks shared by both commit paths. */
import type { ClientSession, Collection } from 'mongodb';
import { MongoServerError } from 'mongodb';
import { StoreConflictError } from '../types.ts';
import type { StoreWrite } from '../types.ts';
import type { ResourceDocument } from './documents.ts';
import { resourceKey } from './documents.ts';

const DUPLICATE_KEY = 11000;

export function isDuplicateKey(err: unknown): boolean {
  return err instanceof MongoServerError && err.code === DUPLICATE_KEY;
}

/** The conflict to report for a write whose conditional update matched nothing: says which version is there now. */
export async function conflictFor(
  resources: Collection<ResourceDocument>,
  write: StoreWrite,
  session?: ClientSession,
): Promise<StoreConflictError> {
  const current = await resources.findOne(
    { _id: resourceKey(write.type, write.id) },
    { projection: { vid: 1 }, session },
  );
  return new StoreConflictError(write.type, write.id, write.expectedVid, current?.vid ?? 0);
}

/**
 * Writes the new current version only if the stored one is still `expectedVid` (0: none stored), so a
 * concurrent writer makes this fail instead of being overwritten. Returns false on a version mismatch.
 */
export async function replaceCurrentIfUnchanged(
  resources: Collection<ResourceDocument>,
  write: StoreWrite,
  doc: ResourceDocument,
  session?: ClientSession,
): Promise<boolean> {
  if (write.expectedVid === 0) {
    try {
      await resources.insertOne(doc, { session });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }
  const result = await resources.replaceOne({ _id: doc._id, vid: write.expectedVid }, doc, { session });
  return result.matchedCount === 1;
}
