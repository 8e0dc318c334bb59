/**
 * The MongoDB store (DESIGN.md, "Stored documents"), on the official driver. Current versions live in
 * `resources`, every version in `history`. Commits use a session transaction where the deployment has them and
 * an undo journal where it does not (see journaled-commit.ts for the isolation that gives).
 */
import { MongoClient } from 'mongodb';
import type { Filter, HistoryQuery, Store, StoredVersion, StoreQuery, StoreWrite } from '../types.ts';
import type { StoreCollections } from './collections.ts';
import { storeCollections } from './collections.ts';
import { historyKey, resourceKey, toStoredVersion, VERSION_PROJECTION } from './documents.ts';
import { SerialQueue } from './commit-queue.ts';
import { supportsTransactions } from './deployment.ts';
import { createStoreIndexes } from './indexes.ts';
import { commitWithJournal, recoverPendingCommits } from './journaled-commit.ts';
import { commitInTransaction } from './transactional-commit.ts';
import { QueryRunner } from './query-runner.ts';
import type { StoreLogger } from './logger.ts';
import { silentLogger } from './logger.ts';

export interface MongoStoreOptions {
  url: string;
  /** Defaults to the database named in the URL, else "vitrine". */
  dbName?: string;
  logger?: StoreLogger;
  /**
   * Without transactions, open() rolls back commits left pending at least this long ago (default 0: all). Raise it
   * when several processes share one database, so one starting up never undoes another's commit in flight.
   */
  recoveryGraceMs?: number;
  /** Use the undo journal even where transactions exist (tests of the journal on a replica set). */
  forceJournaledCommits?: boolean;
}

/** The database a connection string names (`mongodb://host/vitrine?...`); the driver would default to "test". */
function databaseNameInUrl(url: string): string | undefined {
  const name = /^mongodb(?:\+srv)?:\/\/[^/]*\/([^?]+)/.exec(url)?.[1];
  return name ? decodeURIComponent(name) : undefined;
}

export class MongoStore implements Store {
  private readonly client: MongoClient;
  private readonly logger: StoreLogger;
  private readonly commitQueue = new SerialQueue();
  private collections?: StoreCollections;
  private queries?: QueryRunner;
  private transactions = false;

  constructor(private readonly options: MongoStoreOptions) {
    // ignoreUndefined: an optional index field left undefined (num.sys) must be absent, not null, for $exists.
    this.client = new MongoClient(options.url, { ignoreUndefined: true });
    this.logger = options.logger ?? silentLogger;
  }

  async open(): Promise<void> {
    await this.client.connect();
    const db = this.client.db(this.options.dbName ?? databaseNameInUrl(this.options.url) ?? 'vitrine');
    const collections = storeCollections(db);
    this.transactions = !this.options.forceJournaledCommits && (await supportsTransactions(this.client, db));
    await createStoreIndexes(db, this.logger);
    this.queries = await QueryRunner.create(db, collections.resources, this.logger);
    // Also with transactions: the database may have been written by a standalone server before.
    await recoverPendingCommits(collections, this.options.recoveryGraceMs ?? 0, this.logger);
    this.collections = collections;
    this.logger.info({ db: db.databaseName, transactions: this.transactions }, 'MongoDB store open');
  }

  async close(): Promise<void> {
    await this.commitQueue.drain();
    await this.client.close();
  }

  async read(type: string, id: string): Promise<StoredVersion | undefined> {
    const doc = await this.opened.resources.findOne({ _id: resourceKey(type, id) }, { projection: VERSION_PROJECTION });
    return doc ? toStoredVersion(doc) : undefined;
  }

  async readVersion(type: string, id: string, vid: number): Promise<StoredVersion | undefined> {
    const doc = await this.opened.history.findOne({ _id: historyKey(type, id, vid) }, { projection: VERSION_PROJECTION });
    return doc ? toStoredVersion(doc) : undefined;
  }

  async history(query: HistoryQuery): Promise<{ versions: StoredVersion[]; total: number }> {
    const { history } = this.opened;
    const filter: Record<string, unknown> = {};
    if (query.type !== undefined) filter.type = query.type;
    if (query.id !== undefined) filter.id = query.id;
    const lastUpdated: Record<string, Date> = {};
    if (query.since) lastUpdated.$gte = query.since;
    if (query.before) lastUpdated.$lt = query.before;
    if (Object.keys(lastUpdated).length > 0) filter.lastUpdated = lastUpdated;
    const [docs, total] = await Promise.all([
      history
        .find(filter, { projection: VERSION_PROJECTION })
        // Newest first; among versions of the same instant (one transaction Bundle), the later write first.
        .sort({ lastUpdated: -1, seq: -1 })
        .skip(query.skip ?? 0)
        .limit(query.limit)
        .toArray(),
      history.countDocuments(filter),
    ]);
    return { versions: docs.map(toStoredVersion), total };
  }

  async find(query: StoreQuery): Promise<StoredVersion[]> {
    return (await this.queryRunner.find(query)).map(toStoredVersion);
  }

  async count(filter: Filter): Promise<number> {
    return this.queryRunner.count(filter);
  }

  async commit(writes: StoreWrite[]): Promise<void> {
    if (writes.length === 0) return;
    const collections = this.opened;
    await this.commitQueue.run(() =>
      this.transactions
        ? commitInTransaction(this.client, collections, writes)
        : commitWithJournal(collections, writes),
    );
  }

  private get opened(): StoreCollections {
    if (!this.collections) throw new Error('MongoStore used before open()');
    return this.collections;
  }

  private get queryRunner(): QueryRunner {
    if (!this.queries) throw new Error('MongoStore used before open()');
    return this.queries;
  }
}
