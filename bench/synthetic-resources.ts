/** Small, valid, realistic resources for benchmarks that do not need the full seed generator. */
import type { Observation, Patient } from '@medplum/fhirtypes';
import { createHash } from 'node:crypto';

const LOINC = [
  ['8867-4', 'Heart rate', '/min', 60, 40],
  ['8480-6', 'Systolic blood pressure', 'mm[Hg]', 100, 60],
  ['2339-0', 'Glucose [Mass/volume] in Blood', 'mg/dL', 70, 80],
  ['4548-4', 'Hemoglobin A1c/Hemoglobin.total in Blood', '%', 4.5, 5],
  ['39156-5', 'Body mass index (BMI) [Ratio]', 'kg/m2', 18, 20],
] as const;

export function benchPatient(i: number): Patient {
  return {
    resourceType: 'Patient',
    // Sites hold de-identified data only: an identifier is a keyed pseudonym (64 hex digits), as ingest makes it.
    identifier: [{ system: 'urn:vitrine:bench:mrn', value: createHash('sha256').update(`mrn-${i}`).digest('hex') }],
    gender: i % 2 ? 'female' : 'male',
    birthDate: String(1930 + (i % 80)),
    address: [{ state: 'MA', postalCode: '021' }],
  };
}

export function benchObservation(i: number, subject: string): Observation {
  const [code, display, unit, lo, span] = LOINC[i % LOINC.length];
  const day = String(1 + (i % 28)).padStart(2, '0');
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code, display }], text: display },
    subject: { reference: subject },
    effectiveDateTime: `20${10 + (i % 14)}-0${1 + (i % 9)}-${day}T10:00:00Z`,
    valueQuantity: { value: Math.round((lo + ((i * 7919) % 1000) / 1000 * span) * 10) / 10, unit, system: 'http://unitsofmeasure.org', code: unit },
  };
}

/** A transaction Bundle of `patients` patients with `perPatient` observations each, linked by urn:uuid. */
export function benchTransaction(start: number, patients: number, perPatient: number): object {
  const entry: object[] = [];
  for (let p = start; p < start + patients; p++) {
    const fullUrl = `urn:uuid:00000000-0000-4000-8000-${String(p).padStart(12, '0')}`;
    entry.push({ fullUrl, resource: benchPatient(p), request: { method: 'POST', url: 'Patient' } });
    for (let o = 0; o < perPatient; o++) {
      entry.push({ resource: benchObservation(p * perPatient + o, fullUrl), request: { method: 'POST', url: 'Observation' } });
    }
  }
  return { resourceType: 'Bundle', type: 'transaction', entry };
}
