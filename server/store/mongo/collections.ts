/** The collections of one store database. */
import type { Collection, Db } from 'mongodb';
import type { HistoryDocument, ResourceDocument } from './documents.ts';
import type { CommitRecord } from './journaled-commit.ts';

export interface StoreCollections {
  resources: Collection<ResourceDocument>;
  history: Collection<HistoryDocument>;
  /** The undo journal of commits in flight, used only where transactions are missing. */
  commits: Collection<CommitRecord>;
}

export function storeCollections(db: Db): StoreCollections {
  return {
    resources: db.collection<ResourceDocument>('resources'),
    history: db.collection<HistoryDocument>('history'),
    commits: db.collection<CommitRecord>('commits'),
  };
}
