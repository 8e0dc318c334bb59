/**
 * Embedded store throughput and memory: durable writes in 50-resource commits, reads by id, a selective search,
 * journal replay, and heap bytes per stored resource (DESIGN.md: "within ~3× the data's size").
 * Run alone: node --import tsx bench/store-embedded.bench.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { emptyIndexEntries, type StoreWrite } from '../server/store/types.ts';

const RESOURCES = 50_000;
const PER_COMMIT = 50;
const CONCURRENT_COMMITTERS = 4;
const READS = 100_000;

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
}

/** A small Observation and its index entries, built by hand so the bench needs no search engine. */
function observationWrite(n: number): StoreWrite {
  const patient = `Patient/p${n % 5000}`;
  const code = `${1000 + (n % 200)}-${n % 10}`;
  const lastUpdated = new Date(Date.UTC(2024, 0, 1) + n * 1000);
  const effective = new Date(Date.UTC(2020, 0, 1) + (n % 1500) * 86_400_000);
  const value = (n % 1000) / 10;
  const resource = {
    resourceType: 'Observation',
    id: `o${n}`,
    meta: { versionId: '1', lastUpdated: lastUpdated.toISOString() },
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code, display: `Test ${code}` }] },
    subject: { reference: patient },
    effectiveDateTime: effective.toISOString().slice(0, 10),
    valueQuantity: { value, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
  };
  const index = emptyIndexEntries();
  index.compartments = [patient];
  index.tok = [`code|http://loinc.org|${code}`, `code|*|${code}`, 'code|http://loinc.org|*', 'status||final', 'status|*|final'];
  index.ref = [`subject|${patient}`, `patient|${patient}`];
  index.dt = [{ p: 'date', lo: effective, hi: new Date(effective.getTime() + 86_399_999) }];
  index.num = [{ p: 'value-quantity', v: value, sys: 'http://unitsofmeasure.org', code: 'mg' }];
  index.srt = { date: effective };
  index.srtHi = { date: index.dt[0].hi };
  return { type: 'Observation', id: `o${n}`, vid: 1, expectedVid: 0, lastUpdated, deleted: false, json: JSON.stringify(resource), index };
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function perSecond(count: number, started: bigint): number {
  return Math.round(count / (Number(process.hrtime.bigint() - started) / 1e9));
}

export async function benchEmbeddedStore(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vitrine-bench-'));
  const gc = collectGarbage();
  try {
    let dataBytes = 0;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const store = new EmbeddedStore({ dir, compactEvery: Number.MAX_SAFE_INTEGER });
    await store.open();

    let started = process.hrtime.bigint();
    let nextCommit = 0;
    const committer = async () => {
      for (let c = nextCommit++; c * PER_COMMIT < RESOURCES; c = nextCommit++) {
        const writes = Array.from({ length: PER_COMMIT }, (_, k) => observationWrite(c * PER_COMMIT + k));
        for (const write of writes) dataBytes += write.json.length;
        await store.commit(writes);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_COMMITTERS }, committer));
    const writesPerSecond = perSecond(RESOURCES, started);

    gc();
    const heapPerResource = Math.round((process.memoryUsage().heapUsed - heapBefore) / RESOURCES);

    started = process.hrtime.bigint();
    for (let i = 0; i < READS; i++) await store.read('Observation', `o${(i * 7919) % RESOURCES}`);
    const readsPerSecond = perSecond(READS, started);

    started = process.hrtime.bigint();
    const searches = 2000;
    for (let i = 0; i < searches; i++) {
      await store.find({ filter: { type: 'Observation', deleted: false, ref: `subject|Patient/p${i}`, tok: 'code|*|1000-0' }, limit: 20 });
    }
    const searchesPerSecond = perSecond(searches, started);

    await store.close(); // compacts
    const reopened = new EmbeddedStore({ dir });
    started = process.hrtime.bigint();
    await reopened.open();
    const openMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
    await reopened.close();

    return [
      { name: 'embedded store: durable writes in 50-resource commits', value: writesPerSecond, unit: 'writes/s' },
      { name: 'embedded store: read by id', value: readsPerSecond, unit: 'reads/s' },
      { name: 'embedded store: selective search (ref + token, 50k resources)', value: searchesPerSecond, unit: 'searches/s' },
      { name: 'embedded store: heap per stored resource', value: heapPerResource, unit: 'bytes' },
      { name: 'embedded store: heap / JSON size', value: Number((heapPerResource / (dataBytes / RESOURCES)).toFixed(2)), unit: 'ratio' },
      { name: 'embedded store: open from snapshot, 50k resources', value: openMs, unit: 'ms' },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const result of await benchEmbeddedStore()) console.log(`${result.name}: ${result.value} ${result.unit}`);
}
