/**
 * The MongoDB store against a real MongoDB-protocol server: the shared Store contract, then what only the
 * journaled (no-transaction) commit path must guarantee. Needs MONGODB_URL; `npm run test:mongo` starts a
 * FerretDB for it.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { storeCollections } from '../server/store/mongo/collections.ts';
import { resourceKey, toHistoryDocument, toResourceDocument } from '../server/store/mongo/documents.ts';
import type { CommitRecord } from '../server/store/mongo/journaled-commit.ts';
import { MongoStore } from '../server/store/mongo/mongo-store.ts';
import type { MongoStoreOptions } from '../server/store/mongo/mongo-store.ts';
import { StoreConflictError } from '../server/store/types.ts';
import { describeStoreContract } from './store/contract.ts';
import { put } from './store/store-writes.ts';

const url = process.env.MONGODB_URL;
const SKIP_MESSAGE = 'MongoDB store tests skipped: set MONGODB_URL or run `npm run test:mongo` (needs Go)';

/** A client of the test file's own, to look at and tamper with the databases the stores use. */
let admin: MongoClient | undefined;
async function adminClient(): Promise<MongoClient> {
  admin ??= await new MongoClient(url!).connect();
  return admin;
}

/** An opened store on a database no other test uses; cleanup() closes it and drops the database. */
async function makeMongoStore(extra: Partial<MongoStoreOptions> = {}) {
  const dbName = `vitrine_test_${randomUUID().slice(0, 8)}`;
  const store = new MongoStore({ url: url!, dbName, ...extra });
  await store.open();
  const cleanup = async () => {
    await store.close();
    await (await adminClient()).db(dbName).dropDatabase();
  };
  return { store, dbName, cleanup };
}

if (!url) {
  describe('MongoStore', function () {
    it('needs MONGODB_URL', function () {
      console.log(`      ${SKIP_MESSAGE}`);
      this.skip();
    });
  });
} else {
  after(async () => {
    await admin?.close();
  });

  describeStoreContract('MongoStore', () => makeMongoStore());

  describe('MongoStore without transactions (undo journal)', function () {
    let made: Awaited<ReturnType<typeof makeMongoStore>>;
    const collections = async () => storeCollections((await adminClient()).db(made.dbName));

    beforeEach(async function () {
      made = await makeMongoStore({ forceJournaledCommits: true });
    });
    afterEach(async function () {
      await made.cleanup();
    });

    it('leaves nothing of a commit whose fifth write loses a race to another writer', async function () {
      await made.store.commit([put('Patient', 'p1', { body: { gender: 'female' } })]);
      // Another process claimed Observation/o4 version 1 after this commit checked the versions.
      const { history } = await collections();
      await history.insertOne(toHistoryDocument(put('Observation', 'o4')));
      const writes = [put('Patient', 'p1', { vid: 2, body: { gender: 'male' } })];
      for (let i = 0; i < 8; i++) writes.push(put('Observation', `o${i}`));

      await assert.rejects(made.store.commit(writes), StoreConflictError);

      const p1 = await made.store.read('Patient', 'p1');
      assert.equal(p1?.vid, 1);
      assert.equal(JSON.parse(p1.json).gender, 'female');
      assert.equal(await made.store.count({ type: 'Observation' }), 0);
      assert.equal((await made.store.history({ type: 'Patient', limit: 10 })).total, 1);
      assert.equal(await (await collections()).commits.countDocuments({}), 0);
    });

    it('rolls back at open() a commit a crash left half-applied', async function () {
      await made.store.commit([put('Patient', 'p1', { body: { gender: 'female' } })]);
      const { resources, history, commits } = await collections();
      const before = await resources.findOne({ _id: resourceKey('Patient', 'p1') });
      // What a process dying mid-commit leaves: the undo record, and two of its three writes applied.
      const crashed = [put('Patient', 'p1', { vid: 2, body: { gender: 'male' } }), put('Observation', 'o1'), put('Observation', 'o2')];
      const record: CommitRecord = {
        _id: randomUUID(),
        state: 'pending',
        startedAt: new Date(),
        steps: crashed.map((w, i) => ({
          key: resourceKey(w.type, w.id),
          historyKey: `${w.type}/${w.id}/${w.vid}`,
          afterVid: w.vid,
          before: i === 0 ? before : null,
        })),
      };
      await commits.insertOne(record);
      for (const write of crashed.slice(0, 2)) {
        await history.insertOne(toHistoryDocument(write, record._id));
        await resources.replaceOne({ _id: resourceKey(write.type, write.id) }, toResourceDocument(write), { upsert: true });
      }
      assert.equal((await made.store.read('Patient', 'p1'))?.vid, 2, 'the crash state is visible before recovery');

      const reopened = new MongoStore({ url: url!, dbName: made.dbName, forceJournaledCommits: true });
      await reopened.open();
      try {
        const p1 = await reopened.read('Patient', 'p1');
        assert.equal(p1?.vid, 1);
        assert.equal(JSON.parse(p1.json).gender, 'female');
        assert.equal(await reopened.read('Observation', 'o1'), undefined);
        assert.equal((await reopened.history({ limit: 10 })).total, 1);
        assert.equal(await commits.countDocuments({}), 0);
        await reopened.commit([put('Patient', 'p1', { vid: 2 }), put('Observation', 'o1')]);
        assert.equal((await reopened.read('Patient', 'p1'))?.vid, 2);
      } finally {
        await reopened.close();
      }
    });

    it('leaves a pending commit younger than recoveryGraceMs to the process that owns it', async function () {
      const { commits } = await collections();
      await commits.insertOne({ _id: randomUUID(), state: 'pending', startedAt: new Date(), steps: [] });
      const reopened = new MongoStore({ url: url!, dbName: made.dbName, recoveryGraceMs: 60_000, forceJournaledCommits: true });
      await reopened.open();
      await reopened.close();
      assert.equal(await commits.countDocuments({ state: 'pending' }), 1);
    });
  });
}
