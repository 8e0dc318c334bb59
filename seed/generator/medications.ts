/** MedicationRequests (RxNorm): the long-term treatment of each condition, started when it is recorded. */
import type { MedicationRequest } from '@medplum/fhirtypes';
import { fhirDateTime } from './calendar.ts';
import type { ConditionKey } from './condition-catalog.ts';
import { coded, SYSTEM, type PatientRecord } from './record.ts';

interface Drug {
  rxnorm: string;
  display: string;
  dosage: string;
}

const DRUGS = {
  metformin: { rxnorm: '860975', display: '24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet', dosage: 'One tablet twice daily with meals' },
  insulin: { rxnorm: '106892', display: 'insulin isophane, human 70 UNT/ML / insulin, regular, human 30 UNT/ML Injectable Suspension', dosage: 'Inject as directed twice daily' },
  lisinopril: { rxnorm: '314076', display: 'lisinopril 10 MG Oral Tablet', dosage: 'One tablet daily' },
  amlodipine: { rxnorm: '197361', display: 'amlodipine 5 MG Oral Tablet', dosage: 'One tablet daily' },
  hydrochlorothiazide: { rxnorm: '310798', display: 'hydrochlorothiazide 25 MG Oral Tablet', dosage: 'One tablet every morning' },
  simvastatin: { rxnorm: '312961', display: 'simvastatin 20 MG Oral Tablet', dosage: 'One tablet at night' },
  albuterol: { rxnorm: '745679', display: '200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler', dosage: 'Two puffs every 4 to 6 hours as needed' },
  fluticasoneSalmeterol: { rxnorm: '896209', display: '60 ACTUAT fluticasone propionate 0.25 MG/ACTUAT / salmeterol 0.05 MG/ACTUAT Dry Powder Inhaler', dosage: 'One inhalation twice daily' },
  furosemide: { rxnorm: '313988', display: 'furosemide 40 MG Oral Tablet', dosage: 'One tablet every morning' },
  carvedilol: { rxnorm: '200031', display: 'carvedilol 6.25 MG Oral Tablet', dosage: 'One tablet twice daily' },
  aspirin: { rxnorm: '243670', display: 'aspirin 81 MG Oral Tablet', dosage: 'One tablet daily' },
  nitroglycerin: { rxnorm: '705129', display: 'nitroglycerin 0.4 MG/ACTUAT Mucosal Spray', dosage: 'One spray under the tongue as needed for chest pain' },
  warfarin: { rxnorm: '855332', display: 'warfarin sodium 5 MG Oral Tablet', dosage: 'One tablet daily, adjusted to INR' },
  sertraline: { rxnorm: '312938', display: 'sertraline 100 MG Oral Tablet', dosage: 'One tablet daily' },
  methylphenidate: { rxnorm: '1091170', display: 'methylphenidate hydrochloride 10 MG Oral Tablet', dosage: 'One tablet twice daily' },
  tamoxifen: { rxnorm: '198240', display: 'tamoxifen 10 MG Oral Tablet', dosage: 'Two tablets daily' },
  leuprolide: { rxnorm: '752899', display: 'leuprolide acetate 3.75 MG Injection', dosage: 'One injection monthly' },
  amoxicillin: { rxnorm: '308182', display: 'amoxicillin 250 MG Oral Capsule', dosage: 'One capsule three times daily for 7 days' },
} satisfies Record<string, Drug>;

/** What each condition is treated with; the second list is added in more severe cases. */
const TREATMENT: Partial<Record<ConditionKey, [Drug[], Drug[]]>> = {
  diabetes: [[DRUGS.metformin], [DRUGS.insulin]],
  hypertension: [[DRUGS.lisinopril], [DRUGS.amlodipine, DRUGS.hydrochlorothiazide]],
  hyperlipidemia: [[DRUGS.simvastatin], []],
  ckd: [[], [DRUGS.furosemide]],
  asthma: [[DRUGS.albuterol], [DRUGS.fluticasoneSalmeterol]],
  copd: [[DRUGS.fluticasoneSalmeterol], [DRUGS.albuterol]],
  coronaryDisease: [[DRUGS.aspirin, DRUGS.simvastatin], [DRUGS.nitroglycerin]],
  heartFailure: [[DRUGS.furosemide, DRUGS.carvedilol], []],
  atrialFibrillation: [[DRUGS.warfarin], []],
  depression: [[DRUGS.sertraline], []],
  adhd: [[DRUGS.methylphenidate], []],
  breastCancer: [[DRUGS.tamoxifen], []],
  prostateCancer: [[DRUGS.leuprolide], []],
};

function request(record: PatientRecord, drug: Drug, encounter: string, at: number, status: 'active' | 'stopped' | 'completed', reason?: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    status,
    intent: 'order',
    medicationCodeableConcept: coded(SYSTEM.rxnorm, drug.rxnorm, drug.display),
    subject: { reference: record.patientReference },
    encounter: { reference: encounter },
    authoredOn: fhirDateTime(at),
    ...(reason ? { reasonReference: [{ reference: reason }] } : {}),
    dosageInstruction: [{ text: drug.dosage }],
  };
}

/** Starts the long-term treatment of a newly recorded condition; stopped if the patient has since died. */
export function startTreatment(record: PatientRecord, key: ConditionKey, condition: string, encounter: string, at: number): void {
  const [first, severe] = TREATMENT[key] ?? [[], []];
  const drugs = record.rng.chance(0.3) ? [...first, ...severe] : first;
  const status = record.person.death !== undefined ? 'stopped' : 'active';
  for (const drug of drugs) record.add(request(record, drug, encounter, at, status, condition));
}

/** A short antibiotic course for an acute infection. */
export function addAntibiotic(record: PatientRecord, encounter: string, at: number): void {
  record.add(request(record, DRUGS.amoxicillin, encounter, at, 'completed'));
}
