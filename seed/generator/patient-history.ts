/**
 * One synthetic patient, start to finish: draw the person, plan the visits, and fill each visit with what a
 * clinician would record — vitals, diagnoses and their treatment, monitoring labs, screenings, vaccines,
 * imaging. Deterministic: the patient's stream depends only on (seed, profile, patient number).
 */
import { CONDITIONS, type ConditionKey } from './condition-catalog.ts';
import { addCondition, conditionDefinition } from './conditions.ts';
import { addDueImmunizations } from './immunizations.ts';
import { addEncounter, planVisits, type Visit } from './encounters.ts';
import { addImagingStudy } from './imaging.ts';
import { addAntibiotic, startTreatment } from './medications.ts';
import { addLabResults, addNtProBnp, addPhq9, addSmokingStatus, addSpirometry, addVitals, type LabPanel } from './observations.ts';
import { addPatient } from './demographics.ts';
import { drawPerson, hasAt } from './person.ts';
import { addProcedure } from './procedures.ts';
import type { SeedProfile } from './profile.ts';
import { Random } from './random.ts';
import { PatientRecord, type GeneratedResource, type ReferenceStyle } from './record.ts';
import { addLabReport } from './reports.ts';
import { YEAR_MS, yearsBetween } from './calendar.ts';

/** All resources of patient `patientNumber` (0-based), Patient first. */
export function generatePatient(seed: string, profile: SeedProfile, patientNumber: number, style: ReferenceStyle): GeneratedResource[] {
  const rng = Random.forStream(seed, profile.name, patientNumber);
  const record = new PatientRecord(rng, profile, drawPerson(rng, profile), style);
  addPatient(record, patientNumber);
  const recorded = new Map<ConditionKey, string>();
  let previousWellness = record.person.start;
  for (const visit of planVisits(record)) {
    const encounter = addEncounter(record, visit);
    recordNewConditions(record, recorded, encounter, visit.at);
    if (visit.kind === 'wellness') {
      wellnessVisit(record, encounter, visit.at, previousWellness);
      previousWellness = visit.at;
    } else {
      addVitals(record, encounter, visit.at, false);
      conditionWork(record, visit, encounter, recorded);
    }
  }
  return record.resources;
}

/** Every condition present by now but not yet on the problem list is recorded, and its treatment started. */
function recordNewConditions(record: PatientRecord, recorded: Map<ConditionKey, string>, encounter: string, at: number): void {
  for (const { key } of CONDITIONS) {
    if (recorded.has(key) || !hasAt(record.person, key, at)) continue;
    const condition = addCondition(record, key, encounter, at);
    recorded.set(key, condition);
    startTreatment(record, key, condition, encounter, at);
  }
}

function labPanel(record: PatientRecord, panel: LabPanel, encounter: string, at: number): void {
  addLabReport(record, panel, addLabResults(record, panel, encounter, at), encounter, at);
}

function wellnessVisit(record: PatientRecord, encounter: string, at: number, previousWellness: number): void {
  const { person, rng } = record;
  const age = yearsBetween(person.birth, at);
  const has = (key: ConditionKey) => hasAt(person, key, at);
  addVitals(record, encounter, at, true);
  if (age >= 12) addSmokingStatus(record, encounter, at);
  addDueImmunizations(record, encounter, at, previousWellness);
  if (age >= 18 && (has('diabetes') || has('ckd') || has('hypertension') || rng.chance(0.5))) labPanel(record, 'metabolic', encounter, at);
  if (age >= 30 && (has('hyperlipidemia') || has('diabetes') || has('coronaryDisease') || rng.chance(0.3))) labPanel(record, 'lipids', encounter, at);
  if (has('diabetes') || (age >= 40 && rng.chance(0.25))) labPanel(record, 'hba1c', encounter, at);
  if (age >= 12 && (has('depression') || rng.chance(0.2))) addPhq9(record, encounter, at);
  if (person.female && age >= 50 && age < 75 && rng.chance(0.5)) screening(record, 'mammography', encounter, at);
  if (age >= 50 && age < 76 && rng.chance(0.08)) addProcedure(record, 'colonoscopy', encounter, at);
}

function screening(record: PatientRecord, kind: 'mammography' | 'chestXray' | 'ctChest' | 'echocardiography', encounter: string, at: number, reason?: string): void {
  addImagingStudy(record, kind, encounter, at, addProcedure(record, kind, encounter, at, reason));
}

/** The diagnostics, monitoring and treatment that the visit's reason calls for. */
function conditionWork(record: PatientRecord, visit: Visit, encounter: string, recorded: Map<ConditionKey, string>): void {
  const { rng, person } = record;
  const { at, reason, kind } = visit;
  const condition = reason ? recorded.get(reason) : undefined;
  const newlyDiagnosed = kind === 'diagnosis';
  switch (reason) {
    case 'diabetes':
      labPanel(record, 'hba1c', encounter, at);
      break;
    case 'ckd':
      labPanel(record, 'metabolic', encounter, at);
      if (yearsBetween(person.onsets.get('ckd')!, at) > 4 && rng.chance(0.3)) addProcedure(record, 'hemodialysis', encounter, at, condition);
      break;
    case 'heartFailure':
      addNtProBnp(record, encounter, at);
      if (newlyDiagnosed || rng.chance(0.2)) screening(record, 'echocardiography', encounter, at, condition);
      break;
    case 'copd':
    case 'asthma':
      if (newlyDiagnosed || rng.chance(0.3)) {
        addProcedure(record, 'spirometry', encounter, at, condition);
        addSpirometry(record, encounter, at);
      }
      break;
    case 'depression':
      addPhq9(record, encounter, at);
      break;
    case 'coronaryDisease':
      if (newlyDiagnosed && rng.chance(0.5)) addProcedure(record, 'coronaryAngiography', encounter, at, condition);
      break;
    case 'lungCancer':
      if (newlyDiagnosed) screening(record, 'ctChest', encounter, at, condition);
      break;
    case 'breastCancer':
      if (newlyDiagnosed) screening(record, 'mammography', encounter, at, condition);
      break;
    case 'colorectalCancer':
      if (newlyDiagnosed) addProcedure(record, 'colonoscopy', encounter, at, condition);
      break;
  }
  if (reason && conditionDefinition(reason).cancer && at - person.onsets.get(reason)! < 1.5 * YEAR_MS && rng.chance(0.5)) {
    addProcedure(record, 'chemotherapy', encounter, at, condition);
  }
  if (kind === 'emergency' || kind === 'inpatient') {
    if (kind === 'inpatient' || rng.chance(0.5)) labPanel(record, 'metabolic', encounter, at);
    if (rng.chance(reason === 'heartFailure' || reason === 'copd' ? 0.7 : 0.3)) screening(record, 'chestXray', encounter, at, condition);
  }
  if (!reason && rng.chance(0.25)) addAntibiotic(record, encounter, at);
}
