/**
 * Observations (LOINC, UCUM): vital signs with blood pressure as components, smoking status, lab results and
 * scores, all with values from clinical-values.ts so they follow the person's conditions.
 */
import type { CodeableConcept, Observation, ObservationComponent, Quantity } from '@medplum/fhirtypes';
import { fhirDateTime } from './calendar.ts';
import { fev1FvcAt, labsAt, ntProBnpAt, phq9At, vitalsAt } from './clinical-values.ts';
import { coded, SYSTEM, type PatientRecord } from './record.ts';

type Category = 'vital-signs' | 'laboratory' | 'social-history' | 'survey' | 'exam';
const CATEGORY_DISPLAY: Record<Category, string> = {
  'vital-signs': 'Vital Signs', laboratory: 'Laboratory', 'social-history': 'Social History', survey: 'Survey', exam: 'Exam',
};

/** A LOINC test: code, display and UCUM unit. */
export interface Test {
  code: string;
  display: string;
  unit: string;
}

export const TESTS = {
  height: { code: '8302-2', display: 'Body height', unit: 'cm' },
  weight: { code: '29463-7', display: 'Body weight', unit: 'kg' },
  bmi: { code: '39156-5', display: 'Body mass index (BMI) [Ratio]', unit: 'kg/m2' },
  bloodPressure: { code: '85354-9', display: 'Blood pressure panel with all children optional', unit: '' },
  systolic: { code: '8480-6', display: 'Systolic blood pressure', unit: 'mm[Hg]' },
  diastolic: { code: '8462-4', display: 'Diastolic blood pressure', unit: 'mm[Hg]' },
  heartRate: { code: '8867-4', display: 'Heart rate', unit: '/min' },
  hba1c: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood', unit: '%' },
  glucose: { code: '2339-0', display: 'Glucose [Mass/volume] in Blood', unit: 'mg/dL' },
  creatinine: { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
  egfr: { code: '33914-3', display: 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum or Plasma by Creatinine-based formula (MDRD)', unit: 'mL/min/{1.73_m2}' },
  cholesterol: { code: '2093-3', display: 'Cholesterol [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
  ldl: { code: '18262-6', display: 'Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay', unit: 'mg/dL' },
  hdl: { code: '2085-9', display: 'Cholesterol in HDL [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
  triglycerides: { code: '2571-8', display: 'Triglyceride [Mass/volume] in Serum or Plasma', unit: 'mg/dL' },
  ntProBnp: { code: '33762-6', display: 'Natriuretic peptide.B prohormone N-Terminal [Mass/volume] in Serum or Plasma', unit: 'pg/mL' },
  phq9: { code: '44261-6', display: 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]', unit: '{score}' },
  fev1Fvc: { code: '19926-5', display: 'FEV1/FVC', unit: '%' },
  smoking: { code: '72166-2', display: 'Tobacco smoking status', unit: '' },
} satisfies Record<string, Test>;

const quantity = (value: number, test: Test): Quantity => ({ value, unit: test.unit, system: SYSTEM.ucum, code: test.unit });

function observation(record: PatientRecord, category: Category, test: Test, encounter: string, at: number): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [coded(SYSTEM.observationCategory, category, CATEGORY_DISPLAY[category])],
    code: coded(SYSTEM.loinc, test.code, test.display),
    subject: { reference: record.patientReference },
    encounter: { reference: encounter },
    effectiveDateTime: fhirDateTime(at),
    issued: fhirDateTime(at + (category === 'laboratory' ? 4 * 3_600_000 : 0)),
  };
}

function addQuantity(record: PatientRecord, category: Category, test: Test, value: number, encounter: string, at: number): string {
  return record.add({ ...observation(record, category, test, encounter, at), valueQuantity: quantity(value, test) });
}

/** Height, weight, BMI, blood pressure (one Observation, two components) and heart rate. */
export function addVitals(record: PatientRecord, encounter: string, at: number, full: boolean): void {
  const v = vitalsAt(record.person, at, record.rng);
  if (full) {
    addQuantity(record, 'vital-signs', TESTS.height, v.height, encounter, at);
    addQuantity(record, 'vital-signs', TESTS.weight, v.weight, encounter, at);
    addQuantity(record, 'vital-signs', TESTS.bmi, v.bmi, encounter, at);
  }
  const component = (test: Test, value: number): ObservationComponent => ({ code: coded(SYSTEM.loinc, test.code, test.display), valueQuantity: quantity(value, test) });
  record.add({
    ...observation(record, 'vital-signs', TESTS.bloodPressure, encounter, at),
    component: [component(TESTS.systolic, v.systolic), component(TESTS.diastolic, v.diastolic)],
  });
  addQuantity(record, 'vital-signs', TESTS.heartRate, v.heartRate, encounter, at);
}

const SMOKING_STATUS: Record<string, CodeableConcept> = {
  current: coded(SYSTEM.snomed, '449868002', 'Smokes tobacco daily'),
  former: coded(SYSTEM.snomed, '8517006', 'Ex-smoker'),
  never: coded(SYSTEM.snomed, '266919005', 'Never smoked tobacco'),
};

export function addSmokingStatus(record: PatientRecord, encounter: string, at: number): void {
  record.add({ ...observation(record, 'social-history', TESTS.smoking, encounter, at), valueCodeableConcept: SMOKING_STATUS[record.person.smoking] });
}

export type LabPanel = 'metabolic' | 'lipids' | 'hba1c';

/** The results of one lab panel; returns their references for the DiagnosticReport. */
export function addLabResults(record: PatientRecord, panel: LabPanel, encounter: string, at: number): string[] {
  const labs = labsAt(record.person, at, record.rng);
  const add = (test: Test, value: number) => addQuantity(record, 'laboratory', test, value, encounter, at);
  if (panel === 'hba1c') return [add(TESTS.hba1c, labs.hba1c)];
  if (panel === 'metabolic') return [add(TESTS.glucose, labs.glucose), add(TESTS.creatinine, labs.creatinine), add(TESTS.egfr, labs.egfr)];
  return [add(TESTS.cholesterol, labs.cholesterol), add(TESTS.ldl, labs.ldl), add(TESTS.hdl, labs.hdl), add(TESTS.triglycerides, labs.triglycerides)];
}

export function addNtProBnp(record: PatientRecord, encounter: string, at: number): string {
  return addQuantity(record, 'laboratory', TESTS.ntProBnp, ntProBnpAt(record.person, at, record.rng), encounter, at);
}

export function addPhq9(record: PatientRecord, encounter: string, at: number): void {
  addQuantity(record, 'survey', TESTS.phq9, phq9At(record.person, at, record.rng), encounter, at);
}

export function addSpirometry(record: PatientRecord, encounter: string, at: number): void {
  addQuantity(record, 'exam', TESTS.fev1Fvc, fev1FvcAt(record.person, at, record.rng), encounter, at);
}
