/**
 * The search matrix (test/search-matrix.ts) against the MongoDB store on a real MongoDB-protocol server, with the
 * same expected answers as the embedded store. Needs MONGODB_URL; `npm run test:mongo` starts a FerretDB for it.
 */
import { randomUUID } from 'node:crypto';
import { MongoClient } from 'mongodb';
import { MongoStore } from '../server/store/mongo/mongo-store.ts';
import { describeSearchMatrix } from './search-matrix.ts';

const url = process.env.MONGODB_URL;

if (!url) {
  describe('search matrix: MongoStore', function () {
    it('needs MONGODB_URL', function () {
      console.log('      MongoDB search matrix skipped: set MONGODB_URL or run `npm run test:mongo` (needs Go)');
      this.skip();
    });
  });
} else {
  // A MongoDB-protocol server over SQLite loads each fixture slower than the in-process store.
  describe('on a MongoDB-protocol server', function () {
    this.timeout(180_000);
    describeSearchMatrix('MongoStore', makeStore);
  });
}

async function makeStore() {
  const dbName = `vitrine_matrix_${randomUUID().slice(0, 8)}`;
  const store = new MongoStore({ url: url!, dbName });
  await store.open();
  return {
    store,
    async cleanup() {
      await store.close();
      const client = await new MongoClient(url!).connect();
      await client.db(dbName).dropDatabase();
      await client.close();
    },
  };
}
