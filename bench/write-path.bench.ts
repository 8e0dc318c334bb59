/**
 * Writes through the site's whole write path (validation, index extraction, atomic commit) into each store, in
 * 500-resource transactions: the embedded store always, MongoDB when MONGODB_URL is set.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultPipeline } from '../server/fhir/default-pipeline.ts';
import { WriteSession } from '../server/fhir/write-session.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { MongoStore } from '../server/store/mongo/mongo-store.ts';
import type { Store } from '../server/store/types.ts';
import type { BenchRow } from './bench-types.ts';
import { benchObservation, benchPatient } from './synthetic-resources.ts';

const TRANSACTIONS = 20;
const PATIENTS_PER_TRANSACTION = 50;
const OBSERVATIONS_PER_PATIENT = 9;

async function writeThroughPipeline(store: Store): Promise<number> {
  let patient = 0;
  const transaction = async () => {
    const session = new WriteSession(store, defaultPipeline);
    for (let p = 0; p < PATIENTS_PER_TRANSACTION; p++, patient++) {
      const staged = await session.create(benchPatient(patient));
      for (let o = 0; o < OBSERVATIONS_PER_PATIENT; o++) {
        await session.create(benchObservation(patient * OBSERVATIONS_PER_PATIENT + o, `Patient/${staged.version.id}`));
      }
    }
    await session.commit();
    return session.size;
  };
  await transaction(); // warm-up: validators compile lazily per type
  const started = performance.now();
  let written = 0;
  for (let t = 0; t < TRANSACTIONS; t++) written += await transaction();
  return written / ((performance.now() - started) / 1000);
}

export async function benchWritePath(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-bench-writes-'));
  const embedded = new EmbeddedStore({ dir });
  await embedded.open();
  try {
    const rate = await writeThroughPipeline(embedded);
    rows.push({ name: 'create in a transaction, in process, embedded store (validate + index + journal)', value: rate, unit: 'resources/s', target: 3000 });
  } finally {
    await embedded.close();
    await rm(dir, { recursive: true, force: true });
  }
  const url = process.env.MONGODB_URL;
  if (url) {
    const mongo = new MongoStore({ url, dbName: `vitrine_bench_${Date.now()}` });
    await mongo.open();
    try {
      const rate = await writeThroughPipeline(mongo);
      rows.push({ name: 'create in a transaction, in process, MongoDB store (MONGODB_URL)', value: rate, unit: 'resources/s', target: 3000 });
    } finally {
      await mongo.close();
    }
  } else {
    process.stderr.write('write-path: MongoDB row skipped (set MONGODB_URL, e.g. through npm run test:mongo)\n');
  }
  return rows;
}
