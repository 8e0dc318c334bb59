/** The indexes the MongoDB store creates at open(): one per kind of search key the compiler emits. */
import type { Db, IndexSpecification } from 'mongodb';
import type { StoreLogger } from './logger.ts';

const RESOURCE_INDEXES: IndexSpecification[] = [
  { tok: 1 },
  { ref: 1 },
  { compartments: 1 },
  { type: 1, lastUpdated: 1 },
  { 'str.p': 1, 'str.v': 1 },
  { 'dt.p': 1, 'dt.lo': 1, 'dt.hi': 1 },
  { 'num.p': 1, 'num.v': 1 },
];

const HISTORY_INDEXES: IndexSpecification[] = [{ type: 1, id: 1, vid: 1 }, { lastUpdated: 1 }];

/**
 * Creates the indexes; one that the server refuses (FerretDB cannot build some compound multikey indexes) is
 * logged and skipped, because an index only changes speed, never an answer.
 */
export async function createStoreIndexes(db: Db, logger: StoreLogger): Promise<void> {
  const wanted: [string, IndexSpecification[]][] = [
    ['resources', RESOURCE_INDEXES],
    ['history', HISTORY_INDEXES],
    ['commits', [{ state: 1 }]],
  ];
  for (const [collection, specs] of wanted) {
    for (const spec of specs) {
      try {
        await db.collection(collection).createIndex(spec);
      } catch (err) {
        logger.warn({ collection, index: spec, err: String(err) }, 'index not created');
      }
    }
  }
}
