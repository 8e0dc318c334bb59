/**
 * A large synthetic clinical data set for the search benchmark, shaped like replicated Synthea: per patient one
 * Patient, Encounters, Conditions and many Observations, with LOINC/SNOMED codes, references and dates spread over
 * 2010–2023. Deterministic (the same `patients` gives the same resources), streamed, so a million resources never
 * sit in memory twice. The search matrix test and the MongoDB search bench use it; the 1M search bench uses the seed
 * generator (`vitrine seed generate`).
 */
import type { Condition, Encounter, Observation, Patient, Resource } from '@medplum/fhirtypes';

export const ENCOUNTERS_PER_PATIENT = 10;
export const CONDITIONS_PER_PATIENT = 6;
export const OBSERVATIONS_PER_PATIENT = 183;
export const RESOURCES_PER_PATIENT = 1 + ENCOUNTERS_PER_PATIENT + CONDITIONS_PER_PATIENT + OBSERVATIONS_PER_PATIENT;

/** LOINC codes with Synthea-like relative frequencies (the first codes are the common vital signs). */
export const LOINC = [
  ['8867-4', 'Heart rate', '/min'],
  ['8480-6', 'Systolic blood pressure', 'mm[Hg]'],
  ['8462-4', 'Diastolic blood pressure', 'mm[Hg]'],
  ['29463-7', 'Body weight', 'kg'],
  ['8302-2', 'Body height', 'cm'],
  ['39156-5', 'Body mass index', 'kg/m2'],
  ['9279-1', 'Respiratory rate', '/min'],
  ['72514-3', 'Pain severity', '{score}'],
  ['2339-0', 'Glucose', 'mg/dL'],
  ['4548-4', 'Hemoglobin A1c', '%'],
  ['2093-3', 'Cholesterol', 'mg/dL'],
  ['2571-8', 'Triglycerides', 'mg/dL'],
  ['18262-6', 'LDL Cholesterol', 'mg/dL'],
  ['2085-9', 'HDL Cholesterol', 'mg/dL'],
  ['6690-2', 'Leukocytes', '10*3/uL'],
  ['789-8', 'Erythrocytes', '10*6/uL'],
  ['718-7', 'Hemoglobin', 'g/dL'],
  ['4544-3', 'Hematocrit', '%'],
  ['777-3', 'Platelets', '10*3/uL'],
  ['33914-3', 'eGFR', 'mL/min/{1.73_m2}'],
] as const;

/** SNOMED condition codes; 44054006 (diabetes) and 38341003 (hypertension) are the cohort benchmark's criteria. */
export const SNOMED_CONDITIONS = [
  ['38341003', 'Hypertension'],
  ['44054006', 'Diabetes'],
  ['15777000', 'Prediabetes'],
  ['162864005', 'Body mass index 30+ - obesity'],
  ['195662009', 'Acute viral pharyngitis'],
  ['10509002', 'Acute bronchitis'],
  ['444814009', 'Viral sinusitis'],
  ['59621000', 'Essential hypertension'],
  ['40055000', 'Chronic sinusitis'],
  ['271737000', 'Anemia'],
  ['233678006', 'Childhood asthma'],
  ['368581000119106', 'Neuropathy due to type 2 diabetes'],
] as const;

const DAY = 86_400_000;
const START = Date.UTC(2010, 0, 1);

/** Mixes an integer into a well-spread 32-bit value (deterministic "random"). */
function spread(n: number): number {
  let x = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

function dayIso(day: number): string {
  return new Date(START + day * DAY).toISOString().slice(0, 10);
}

function instantIso(day: number, minute: number): string {
  return new Date(START + day * DAY + minute * 60_000).toISOString().replace('.000Z', 'Z');
}

/** Every resource of patient `p`, Patient first. */
export function* patientResources(p: number): Generator<Resource> {
  const patientId = `p${p}`;
  const subject = { reference: `Patient/${patientId}` };
  const patient: Patient = {
    resourceType: 'Patient',
    id: patientId,
    identifier: [{ system: 'urn:vitrine:bench:mrn', value: `mrn-${p}` }],
    name: [{ family: `Family${spread(p) % 500}`, given: [`Given${spread(p + 1) % 300}`] }],
    gender: spread(p) % 2 ? 'female' : 'male',
    birthDate: dayIso(-(spread(p) % 30_000)),
    address: [{ state: 'MA', postalCode: String(1000 + (spread(p) % 900)).padStart(5, '0') }],
  };
  yield patient;
  const encounterDays: number[] = [];
  for (let e = 0; e < ENCOUNTERS_PER_PATIENT; e++) {
    const day = spread(p * 31 + e) % 5110; // 2010-01-01 .. 2023-12-31
    encounterDays.push(day);
    const encounter: Encounter = {
      resourceType: 'Encounter',
      id: `e${p}-${e}`,
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
      type: [{ coding: [{ system: 'http://snomed.info/sct', code: '185349003', display: 'Encounter for check up' }] }],
      subject,
      period: { start: instantIso(day, 540), end: instantIso(day, 570) },
    };
    yield encounter;
  }
  for (let c = 0; c < CONDITIONS_PER_PATIENT; c++) {
    const [code, display] = SNOMED_CONDITIONS[spread(p * 7 + c) % SNOMED_CONDITIONS.length];
    const e = c % ENCOUNTERS_PER_PATIENT;
    const condition: Condition = {
      resourceType: 'Condition',
      id: `c${p}-${c}`,
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [{ system: 'http://snomed.info/sct', code, display }], text: display },
      subject,
      encounter: { reference: `Encounter/e${p}-${e}` },
      onsetDateTime: instantIso(encounterDays[e], 545),
    };
    yield condition;
  }
  for (let o = 0; o < OBSERVATIONS_PER_PATIENT; o++) {
    // Skewed towards the first codes, as vital signs dominate Synthea.
    const r = spread(p * 1009 + o) % 1000;
    const [code, display, unit] = LOINC[Math.min(LOINC.length - 1, Math.floor((r * r) / 50_000))];
    const e = o % ENCOUNTERS_PER_PATIENT;
    const observation: Observation = {
      resourceType: 'Observation',
      id: `o${p}-${o}`,
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code, display }], text: display },
      subject,
      encounter: { reference: `Encounter/e${p}-${e}` },
      effectiveDateTime: instantIso(encounterDays[e], 550 + o),
      valueQuantity: { value: (spread(p + o * 13) % 2000) / 10, unit, system: 'http://unitsofmeasure.org', code: unit },
    };
    yield observation;
  }
}
