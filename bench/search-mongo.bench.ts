/**
 * The search issue's query shapes on the MongoDB store (a real MongoDB-protocol server: set MONGODB_URL, e.g.
 * FerretDB as `npm run test:mongo` starts it) beside the embedded store, over the same generated data. No target:
 * a baseline for later. FerretDB on SQLite is slow (its $elemMatch gaps send most filters through the in-process fallback), so the data
 * set is small (BENCH_MONGO_PATIENTS, default 10 patients, about 2,000 resources).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { searchResources } from '../server/search/execute.ts';
import { extractIndexEntries } from '../server/search/extract.ts';
import { parseSearchRequest } from '../server/search/parse.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { MongoStore } from '../server/store/mongo/mongo-store.ts';
import type { Store, StoreWrite } from '../server/store/types.ts';
import type { BenchRow } from './bench-types.ts';
import { patientResources, RESOURCES_PER_PATIENT } from './search-data.ts';

const PATIENTS = Number(process.env.BENCH_MONGO_PATIENTS ?? 10);
const LOINC = 'http://loinc.org';
const CODE = '2339-0';

const SHAPES: [string, string | undefined, string][] = [
  ['token count', 'Observation', `code=${LOINC}|${CODE}&_summary=count`],
  ['token + one-year date count', 'Observation', `code=${LOINC}|${CODE}&date=ge2020-01-01&date=lt2021-01-01&_summary=count`],
  ['_has cohort count, two criteria', 'Patient', `_has:Observation:patient:code=${LOINC}|4548-4&_has:Condition:patient:code=http://snomed.info/sct|44054006&_summary=count`],
  ['date-sorted first page (_count=10)', 'Observation', `code=${LOINC}|${CODE}&_sort=-date&_count=10`],
  ['_include first page', 'Observation', `code=${LOINC}|${CODE}&_count=10&_include=Observation:subject`],
];

async function load(store: Store): Promise<number> {
  const lastUpdated = new Date('2024-06-01T00:00:00Z');
  const started = performance.now();
  let writes: StoreWrite[] = [];
  for (let p = 0; p < PATIENTS; p++) {
    for (const resource of patientResources(p)) {
      resource.meta = { versionId: '1', lastUpdated: lastUpdated.toISOString() };
      writes.push({ type: resource.resourceType, id: resource.id!, vid: 1, expectedVid: 0, lastUpdated, deleted: false, json: JSON.stringify(resource), index: extractIndexEntries(resource) });
      if (writes.length >= 2000) {
        await store.commit(writes);
        writes = [];
      }
    }
  }
  if (writes.length > 0) await store.commit(writes);
  return performance.now() - started;
}

async function medianMs(fn: () => Promise<unknown>, runs = 5): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

export async function benchSearchOnMongo(): Promise<BenchRow[]> {
  const url = process.env.MONGODB_URL;
  if (!url) {
    process.stderr.write('search-mongo: skipped (set MONGODB_URL; `npm run test:mongo` shows how FerretDB is started)\n');
    return [];
  }
  const dir = await mkdtemp(join(tmpdir(), 'vitrine-search-mongo-bench-'));
  const dbName = `vitrine_bench_${randomUUID().slice(0, 8)}`;
  const embedded = new EmbeddedStore({ dir });
  const mongo = new MongoStore({ url, dbName });
  await Promise.all([embedded.open(), mongo.open()]);
  try {
    const resources = PATIENTS * RESOURCES_PER_PATIENT;
    const rows: BenchRow[] = [];
    for (const [name, store] of [['embedded', embedded], ['MongoDB', mongo]] as const) {
      const ms = await load(store);
      rows.push({ name: `load ${resources} resources into the ${name} store`, value: Math.round(resources / (ms / 1000)), unit: 'res/s' });
    }
    for (const [name, type, query] of SHAPES) {
      const run = (store: Store) => () => searchResources(store, parseSearchRequest(type, [...new URLSearchParams(query)] as [string, string][], { maxCount: 1000 }));
      const ours = await medianMs(run(embedded));
      const theirs = await medianMs(run(mongo));
      rows.push({ name: `${name}: MongoDB store (baseline: embedded store)`, value: theirs, unit: 'ms', target: ours, lowerIsBetter: true });
    }
    return rows;
  } finally {
    await embedded.close();
    await mongo.close();
    const client = await new MongoClient(url).connect();
    await client.db(dbName).dropDatabase();
    await client.close();
    await rm(dir, { recursive: true, force: true });
  }
}
