/**
 * Commit on a deployment without multi-document transactions (standalone mongod, FerretDB): all-or-nothing by
 * an undo journal. Before touching anything, the commit records a `commits` document (state 'pending') holding
 * each step's before-image; then each write is applied with a conditional update; on any failure the applied
 * steps are undone from the before-images, and on success the record is removed.
 *
 * A crash mid-commit leaves the record 'pending'; open() rolls such commits BACK rather than forward: the caller
 * never got an acknowledgement, so undoing is what it expects, and a before-image is always known while a
 * roll-forward could collide with a version written since.
 *
 * Isolation: each document changes atomically, but a reader running while a commit applies may see some of its
 * writes before the rest (and a failed commit's writes until the rollback). Commits of one process are serialized.
 */
import { randomUUID } from 'node:crypto';
import type { Collection } from 'mongodb';
import { StoreConflictError } from '../types.ts';
import type { StoreWrite } from '../types.ts';
import type { StoreCollections } from './collections.ts';
import type { ResourceDocument } from './documents.ts';
import { historyKey, resourceKey, toHistoryDocument, toResourceDocument } from './documents.ts';
import { conflictFor, isDuplicateKey, replaceCurrentIfUnchanged } from './conflicts.ts';
import type { StoreLogger } from './logger.ts';

/** One write's undo information: the current document as it was before the write, or null if there was none. */
interface UndoStep {
  key: string;
  historyKey: string;
  afterVid: number;
  before: ResourceDocument | null;
}

export interface CommitRecord {
  _id: string;
  state: 'pending';
  startedAt: Date;
  steps: UndoStep[];
}

/** Checks every expectedVid against the stored documents and returns the undo steps; writes nothing. */
async function planCommit(resources: Collection<ResourceDocument>, writes: StoreWrite[]): Promise<UndoStep[]> {
  const keys = [...new Set(writes.map((w) => resourceKey(w.type, w.id)))];
  const stored = await resources.find({ _id: { $in: keys } }).toArray();
  const state = new Map<string, ResourceDocument>(stored.map((doc) => [doc._id, doc]));
  return writes.map((write) => {
    const key = resourceKey(write.type, write.id);
    const before = state.get(key) ?? null;
    const actualVid = before?.vid ?? 0;
    if (actualVid !== write.expectedVid) {
      throw new StoreConflictError(write.type, write.id, write.expectedVid, actualVid);
    }
    state.set(key, toResourceDocument(write));
    return { key, historyKey: historyKey(write.type, write.id, write.vid), afterVid: write.vid, before };
  });
}

async function applyWrite(collections: StoreCollections, write: StoreWrite, commitId: string): Promise<void> {
  const { resources, history } = collections;
  // The history insert comes first: its unique _id claims this version, and the `commit` mark on it tells a
  // rollback that this step was applied by this commit and not by someone else.
  try {
    await history.insertOne(toHistoryDocument(write, commitId));
  } catch (err) {
    if (isDuplicateKey(err)) throw await conflictFor(resources, write);
    throw err;
  }
  const applied = await replaceCurrentIfUnchanged(resources, write, toResourceDocument(write));
  if (!applied) throw await conflictFor(resources, write);
}

/** Undoes the steps of a commit that this commit applied, newest first; safe to run again after a crash. */
export async function rollBackCommit(collections: StoreCollections, record: CommitRecord): Promise<void> {
  const { resources, history, commits } = collections;
  for (const step of [...record.steps].reverse()) {
    const owned = await history.findOne({ _id: step.historyKey, commit: record._id }, { projection: { _id: 1 } });
    if (!owned) continue;
    // The current document is restored before the history mark is removed, so a crash in between is retried.
    if (step.before) await resources.replaceOne({ _id: step.key, vid: step.afterVid }, step.before);
    else await resources.deleteOne({ _id: step.key, vid: step.afterVid });
    await history.deleteOne({ _id: step.historyKey, commit: record._id });
  }
  await commits.deleteOne({ _id: record._id });
}

export async function commitWithJournal(collections: StoreCollections, writes: StoreWrite[]): Promise<void> {
  const steps = await planCommit(collections.resources, writes);
  const record: CommitRecord = { _id: randomUUID(), state: 'pending', startedAt: new Date(), steps };
  await collections.commits.insertOne(record);
  try {
    for (const write of writes) await applyWrite(collections, write, record._id);
  } catch (err) {
    // If the rollback itself fails the record stays 'pending' and open() finishes the rollback.
    await rollBackCommit(collections, record);
    throw err;
  }
  await collections.commits.deleteOne({ _id: record._id });
}

/**
 * Rolls back commits left 'pending' by a crashed process. Only records older than `graceMs` are touched, so a
 * deployment where several processes share one database can leave room for commits still in flight elsewhere.
 */
export async function recoverPendingCommits(collections: StoreCollections, graceMs: number, logger: StoreLogger): Promise<number> {
  const cutoff = new Date(Date.now() - graceMs);
  const pending = await collections.commits.find({ state: 'pending', startedAt: { $lte: cutoff } }).toArray();
  for (const record of pending) {
    await rollBackCommit(collections, record);
    logger.warn({ commit: record._id, writes: record.steps.length }, 'rolled back a commit left pending by a crash');
  }
  return pending.length;
}
