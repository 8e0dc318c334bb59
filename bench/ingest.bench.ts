/**
 * Ingest throughput: parse, de-identify (safe-harbor), validate (core + de-identified profiles), index and store
 * into the embedded store, in commits of 1,000. Raw resources are generated here (a patient with its encounters
 * and observations, names and addresses included) until the seed generator's raw output can be used.
 * Target (issue 3): 5,000 resources/s on the 2-core machine.
 */
import type { Resource } from '@medplum/fhirtypes';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDeidentifier } from '../server/deid/engine.ts';
import { withDeidentifiedProfiles } from '../server/deid/deidentified-profiles.ts';
import { loadRuleSet } from '../server/deid/rule-set.ts';
import { defaultPipeline } from '../server/fhir/default-pipeline.ts';
import { StoreTarget } from '../server/ingest/ingest-targets.ts';
import type { SourceUnit } from '../server/ingest/read-sources.ts';
import { runParallelIngest } from '../server/ingest/parallel-ingest.ts';
import { runIngest } from '../server/ingest/run-ingest.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import type { BenchRow } from './bench-types.ts';

const PATIENTS = 500;
const OBSERVATIONS_PER_PATIENT = 16;

function rawPatient(i: number): Resource[] {
  const pid = `p${i}`;
  const resources: Resource[] = [
    { resourceType: 'Patient', id: pid, name: [{ family: `Family${i}`, given: ['Given'] }], gender: i % 2 ? 'female' : 'male', birthDate: `19${String(30 + (i % 70)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`, telecom: [{ system: 'phone', value: `555-01${i}` }], address: [{ line: [`${i} Main St`], city: 'Springfield', state: 'MA', postalCode: '01103' }], identifier: [{ system: 'urn:mrn', value: `MRN${i}` }] },
    { resourceType: 'Encounter', id: `e${i}`, status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: `Patient/${pid}`, display: `Given Family${i}` }, period: { start: '2020-03-04T10:00:00Z', end: '2020-03-04T11:00:00Z' } },
  ];
  for (let k = 0; k < OBSERVATIONS_PER_PATIENT; k++) {
    resources.push({ resourceType: 'Observation', id: `o${i}-${k}`, status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] }, subject: { reference: `Patient/${pid}` }, encounter: { reference: `Encounter/e${i}` }, effectiveDateTime: '2020-03-04T10:30:00Z', valueQuantity: { value: 60 + k, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } });
  }
  return resources;
}

export async function benchIngest(): Promise<BenchRow[]> {
  const units: SourceUnit[] = [];
  for (let i = 0; i < PATIENTS; i++) units.push({ source: 'generated', entries: rawPatient(i).map((resource) => ({ resource })), problems: [] });
  const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-bench-ingest-'));
  const store = new EmbeddedStore({ dir });
  await store.open();
  const key = Buffer.from('bench-key-0123456789abcdef-bench');
  try {
    const options = { deidentifier: createDeidentifier(loadRuleSet('safe-harbor'), key), key, target: new StoreTarget(store, withDeidentifiedProfiles(defaultPipeline)) };
    await runIngest(units.slice(0, 20), options); // warm-up: validators and index extractors compiled
    const started = performance.now();
    const summary = await runIngest(units.slice(20), options);
    const seconds = (performance.now() - started) / 1000;
    return [{ name: 'ingest safe-harbor into the embedded store, one thread', value: Math.round(summary.totals.read / seconds), unit: 'resources/s' }];
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** The same through worker threads (de-identify, validate, index) with the commits on the main thread. */
export async function benchIngestParallel(): Promise<BenchRow[]> {
  const units: SourceUnit[] = [];
  for (let i = 0; i < PATIENTS * 4; i++) units.push({ source: 'generated', entries: rawPatient(i).map((resource) => ({ resource })), problems: [] });
  const rows: BenchRow[] = [];
  for (const workers of [1, 2]) {
    const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-bench-ingest-'));
    const store = new EmbeddedStore({ dir });
    await store.open();
    try {
      const key = Buffer.from('bench-key-0123456789abcdef-bench');
      const started = performance.now();
      const summary = await runParallelIngest(units, { rules: 'safe-harbor', key, store, workers });
      const seconds = (performance.now() - started) / 1000;
      if (summary.totals.written !== summary.totals.read) throw new Error(`bench: ${summary.totals.refused} refused: ${JSON.stringify(summary.reasons)}`);
      rows.push({ name: `ingest safe-harbor into the embedded store, ${workers} worker thread${workers > 1 ? 's' : ''} (incl. start)`, value: Math.round(summary.totals.read / seconds), unit: 'resources/s', target: 5000 });
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return rows;
}
