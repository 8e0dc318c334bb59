/**
 * Cost of validation on write (server/validation): validations per CPU second over a realistic mix of resources,
 * CPU microseconds for a typical Patient and Observation, and the one-off cost of the first validation.
 * The mix is the Synthea R4 patients of ../shared/data when present (16 resource types, as a site receives
 * them), else a small built-in mix of the same kinds.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { validateResource } from '../server/validation/validate.ts';
import type { BenchRow } from './bench-types.ts';

const SYNTHEA = fileURLToPath(new URL('../../shared/data/synthea-r4/bundles/', import.meta.url));

const PATIENT = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { lastUpdated: '2024-01-01T00:00:00Z' },
  identifier: [{ system: 'urn:vitrine:pseudonym', value: 'a1b2c3' }],
  gender: 'female',
  birthDate: '1970-05',
  address: [{ state: 'MA', country: 'US' }],
  maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M' }] },
};

const OBSERVATION = {
  resourceType: 'Observation',
  id: 'o1',
  meta: { lastUpdated: '2024-01-01T00:00:00Z' },
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
  subject: { reference: 'Patient/p1' },
  encounter: { reference: 'Encounter/e1' },
  effectiveDateTime: '2024-01-01T10:00:00+01:00',
  issued: '2024-01-01T10:05:00.000+01:00',
  valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
};

const BUILT_IN_MIX = [
  PATIENT,
  OBSERVATION,
  {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    subject: { reference: 'Patient/p1' },
    period: { start: '2024-01-01T09:00:00Z', end: '2024-01-01T10:00:00Z' },
  },
  {
    resourceType: 'Condition',
    clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
    verificationStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }] },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006' }] },
    subject: { reference: 'Patient/p1' },
    onsetDateTime: '2010-01-01',
  },
];

function realisticMix(): { resources: unknown[]; source: string } {
  if (!existsSync(SYNTHEA)) return { resources: BUILT_IN_MIX, source: 'built-in mix' };
  const resources: unknown[] = [];
  for (const file of readdirSync(SYNTHEA).sort().slice(0, 25)) {
    const bundle = JSON.parse(gunzipSync(readFileSync(`${SYNTHEA}${file}`)).toString('utf8'));
    for (const entry of bundle.entry) resources.push(entry.resource);
  }
  return { resources, source: 'Synthea R4 mix' };
}

/**
 * CPU microseconds (user + system) spent in `run`: validation is synchronous and single-threaded, so this is its
 * cost, and unlike wall time it stays put while other processes share the cores.
 */
function cpuMicros(run: () => void): number {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

/** Average CPU µs per call of `validateResource` on `resource`. */
function microsPerValidation(resource: unknown, rounds: number): number {
  for (let i = 0; i < rounds / 10; i++) validateResource(resource);
  return cpuMicros(() => {
    for (let i = 0; i < rounds; i++) validateResource(resource);
  }) / rounds;
}

/** CPU ms of the first validation in a fresh process: reading the definitions, compiling the validator of a type. */
function firstValidationMillis(): number {
  const module = new URL('../server/validation/validate.ts', import.meta.url).href;
  const script =
    `const { validateResource } = await import(${JSON.stringify(module)});` +
    `const start = process.cpuUsage(); validateResource(${JSON.stringify(OBSERVATION)});` +
    'const used = process.cpuUsage(start); console.log((used.user + used.system) / 1000);';
  const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return Number(output.trim().split('\n').pop());
}

export async function benchValidation(): Promise<BenchRow[]> {
  const { resources, source } = realisticMix();
  for (const resource of resources) validateResource(resource); // load definitions, compile each type once
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    best = Math.min(best, cpuMicros(() => resources.forEach((resource) => validateResource(resource))) / 1e6);
  }
  return [
    {
      name: `validations per CPU second, ${source} (${resources.length} resources)`,
      value: resources.length / best,
      unit: 'validations/s',
      target: 10_000,
    },
    { name: 'typical Observation (vital sign)', value: microsPerValidation(OBSERVATION, 20_000), unit: 'µs', target: 100, lowerIsBetter: true },
    { name: 'typical Patient (de-identified)', value: microsPerValidation(PATIENT, 20_000), unit: 'µs', target: 100, lowerIsBetter: true },
    { name: 'first validation in a new process (CPU)', value: firstValidationMillis(), unit: 'ms', target: 1000, lowerIsBetter: true },
  ];
}
