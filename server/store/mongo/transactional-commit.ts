/**
 * Commit on a deployment with multi-document transactions (replica set or sharded cluster): every write of the
 * commit happens in one session transaction, so readers see all of it or none of it.
 */
import type { MongoClient } from 'mongodb';
import type { StoreWrite } from '../types.ts';
import type { StoreCollections } from './collections.ts';
import { toHistoryDocument, toResourceDocument } from './documents.ts';
import { conflictFor, isDuplicateKey, replaceCurrentIfUnchanged } from './conflicts.ts';

export async function commitInTransaction(
  client: MongoClient,
  { resources, history }: StoreCollections,
  writes: StoreWrite[],
): Promise<void> {
  const session = client.startSession();
  try {
    // withTransaction retries transient errors (a concurrent writer touched the same document); on the retry the
    // conditional update sees the other writer's version and the commit fails with a conflict, as it should.
    await session.withTransaction(
      async () => {
        for (const write of writes) {
          const applied = await replaceCurrentIfUnchanged(resources, write, toResourceDocument(write), session);
          if (!applied) throw await conflictFor(resources, write, session);
          try {
            await history.insertOne(toHistoryDocument(write), { session });
          } catch (err) {
            // The version was claimed by a journaled writer (the database once ran without transactions).
            if (isDuplicateKey(err)) throw await conflictFor(resources, write, session);
            throw err;
          }
        }
      },
      { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } },
    );
  } finally {
    await session.endSession();
  }
}
