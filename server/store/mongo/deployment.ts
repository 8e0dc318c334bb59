/** What the connected deployment can do, asked once at open(). */
import { randomUUID } from 'node:crypto';
import type { Db, MongoClient } from 'mongodb';

/**
 * Multi-document transactions need a replica set member (`setName`) or a mongos (`msg: 'isdbgrid'`); a
 * standalone mongod answers `hello` with neither. `hello` alone is not proof: FerretDB 1.x started with
 * --repl-set-name reports a `setName` yet refuses every transaction (`insert: unknown field "autocommit"`), so a
 * trial transaction on a scratch collection decides.
 */
export async function supportsTransactions(client: MongoClient, db: Db): Promise<boolean> {
  const hello = await db.admin().command({ hello: 1 });
  if (typeof hello.setName !== 'string' && hello.msg !== 'isdbgrid') return false;
  // Created outside the transaction: servers before 4.4 cannot create a collection inside one.
  const scratch = db.collection(`transactionProbe_${randomUUID()}`);
  await scratch.insertOne({ probe: 'outside' });
  const session = client.startSession();
  try {
    session.startTransaction();
    await scratch.insertOne({ probe: 'inside' }, { session });
    await session.abortTransaction();
    return (await scratch.countDocuments({})) === 1;
  } catch {
    return false;
  } finally {
    if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
    await session.endSession();
    await scratch.drop();
  }
}
