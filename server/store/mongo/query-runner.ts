/**
 * Runs find() and count() filters: on the server when it understands the whole filter, otherwise the server
 * narrows the candidates and `mingo` (the evaluator the embedded store uses) decides the rest, so a query
 * answers the same on MongoDB, FerretDB and the embedded store.
 */
import { randomUUID } from 'node:crypto';
import { Query } from 'mingo';
import type { Collection, Db, Sort } from 'mongodb';
import type { Filter, StoreQuery } from '../types.ts';
import type { ResourceDocument } from './documents.ts';
import { VERSION_PROJECTION } from './documents.ts';
import type { ElemMatchSupport } from './query-split.ts';
import { splitFilter } from './query-split.ts';
import type { StoreLogger } from './logger.ts';

type VersionDocument = Pick<ResourceDocument, 'type' | 'id' | 'vid' | 'lastUpdated' | 'deleted' | 'resource'>;

/** Asks the server to evaluate each $elemMatch form on a scratch collection; an error or a wrong answer means no. */
async function probeElemMatchSupport(db: Db): Promise<ElemMatchSupport> {
  const scratch = db.collection(`capabilityProbe_${randomUUID()}`);
  await scratch.insertOne({ str: [{ p: 'name', v: 'x' }, { p: 'other', v: 'y' }] });
  const answers = async (filter: Filter): Promise<boolean> => {
    try {
      return (await scratch.countDocuments(filter)) === 1 && (await scratch.countDocuments({ $nor: [filter] })) === 0;
    } catch {
      return false;
    }
  };
  try {
    return {
      fields: await answers({ str: { $elemMatch: { p: 'name', v: 'x' } } }),
      logical: await answers({ str: { $elemMatch: { $and: [{ p: 'name' }, { $or: [{ v: 'x' }, { v: 'z' }] }] } } }),
    };
  } finally {
    await scratch.drop();
  }
}

export class QueryRunner {
  private constructor(
    private readonly resources: Collection<ResourceDocument>,
    private readonly support: ElemMatchSupport,
  ) {}

  static async create(db: Db, resources: Collection<ResourceDocument>, logger: StoreLogger): Promise<QueryRunner> {
    const support = await probeElemMatchSupport(db);
    if (!support.fields || !support.logical) {
      logger.warn({ elemMatch: support }, 'server lacks some $elemMatch forms; those filters are finished in-process');
    }
    return new QueryRunner(resources, support);
  }

  async find(query: StoreQuery): Promise<VersionDocument[]> {
    const { server, client } = splitFilter(query.filter, this.support);
    const sort: Sort = query.sort ?? [];
    if (!client) {
      let cursor = this.resources.find(server, { projection: VERSION_PROJECTION }).sort(sort);
      if (query.skip) cursor = cursor.skip(query.skip);
      if (query.limit !== undefined) cursor = cursor.limit(query.limit);
      return cursor.toArray();
    }
    // Index fields are needed to finish the filter, so whole documents come back; paging happens after filtering.
    const matches = new Query(client);
    const page: VersionDocument[] = [];
    let toSkip = query.skip ?? 0;
    const limit = query.limit ?? Infinity;
    if (limit <= 0) return page;
    for await (const doc of this.resources.find(server).sort(sort)) {
      if (!matches.test(doc)) continue;
      if (toSkip > 0) {
        toSkip--;
        continue;
      }
      page.push(doc);
      if (page.length >= limit) break;
    }
    return page;
  }

  async count(filter: Filter): Promise<number> {
    const { server, client } = splitFilter(filter, this.support);
    if (!client) return this.resources.countDocuments(server);
    const matches = new Query(client);
    let total = 0;
    for await (const doc of this.resources.find(server)) if (matches.test(doc)) total++;
    return total;
  }
}
