/** Write-time cost of search indexing: microseconds per resource for typical clinical resources. */
import fs from 'node:fs';
import type { Resource } from '@medplum/fhirtypes';
import { extractIndexEntries } from '../server/search/extract.ts';
import type { BenchRow } from './bench-types.ts';

const FIXTURES = ['patient-example', 'observation-blood-pressure', 'observation-glucose', 'condition-example'];

/** Average µs per extractIndexEntries call over spec-shaped Patient, Observation and Condition resources. */
export async function benchExtract(): Promise<BenchRow[]> {
  const resources = FIXTURES.map(
    (name) => JSON.parse(fs.readFileSync(new URL(`../test/fixtures/search/${name}.json`, import.meta.url), 'utf8')) as Resource,
  );
  for (let i = 0; i < 2000; i++) extractIndexEntries(resources[i % resources.length]); // warm up and compile
  const rounds = 50_000;
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) extractIndexEntries(resources[i % resources.length]);
  const micros = Number(process.hrtime.bigint() - start) / 1000 / rounds;
  return [{ name: 'extractIndexEntries per resource', value: micros, unit: 'µs', target: 100, lowerIsBetter: true }];
}
