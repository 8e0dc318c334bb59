/** What the connected deployment can do, asked once at open(). */
import type { Db } from 'mongodb';

/**
 * Multi-document transactions need a replica set member (`setName`) or a mongos (`msg: 'isdbgrid'`);
 * a standalone mongod and FerretDB 1.x answer `hello` with neither.
 */
export async function supportsTransactions(db: Db): Promise<boolean> {
  const hello = await db.admin().command({ hello: 1 });
  return typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
}
