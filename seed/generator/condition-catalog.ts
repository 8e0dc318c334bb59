/**
 * The conditions the generator knows (SNOMED CT) and the logistic risk model of each: log-odds as a linear
 * function of age, sex, BMI, smoking, earlier conditions and the site's offset. Listed in dependency order: a
 * condition may only depend on conditions above it. These coefficients are the "real signal" an analysis finds.
 */

export type ConditionKey =
  | 'diabetes' | 'hypertension' | 'hyperlipidemia' | 'ckd' | 'asthma' | 'copd' | 'coronaryDisease' | 'heartFailure'
  | 'atrialFibrillation' | 'depression' | 'adhd' | 'breastCancer' | 'lungCancer' | 'prostateCancer' | 'colorectalCancer';

export interface RiskModel {
  intercept: number;
  /** Per decade of age above 50 (negative below). */
  agePerDecade?: number;
  /** Added under 18. */
  child?: number;
  female?: number;
  /** Per 5 kg/m² of BMI above 25. */
  bmiPer5?: number;
  currentSmoker?: number;
  formerSmoker?: number;
  /** Added when the patient already has the named condition. */
  conditions?: Partial<Record<ConditionKey, number>>;
}

export interface ConditionDefinition {
  key: ConditionKey;
  snomed: string;
  display: string;
  risk: RiskModel;
  /** Youngest age of onset. */
  minOnsetAge: number;
  /** Cancers are mostly in remission after the first year. */
  cancer?: boolean;
  /** Extra visits per year it brings. */
  visitsPerYear: number;
}

export const CONDITIONS: readonly ConditionDefinition[] = [
  { key: 'diabetes', snomed: '44054006', display: 'Diabetes mellitus type 2', minOnsetAge: 20, visitsPerYear: 1.5,
    risk: { intercept: -2.3, agePerDecade: 0.45, child: -3, female: -0.1, bmiPer5: 0.7, currentSmoker: 0.3 } },
  { key: 'hypertension', snomed: '38341003', display: 'Hypertensive disorder, systemic arterial', minOnsetAge: 25, visitsPerYear: 0.7,
    risk: { intercept: -1.0, agePerDecade: 0.65, child: -4, female: -0.2, bmiPer5: 0.5, currentSmoker: 0.2, conditions: { diabetes: 0.6 } } },
  { key: 'hyperlipidemia', snomed: '55822004', display: 'Hyperlipidemia', minOnsetAge: 25, visitsPerYear: 0.3,
    risk: { intercept: -1.3, agePerDecade: 0.4, child: -4, bmiPer5: 0.3, conditions: { diabetes: 0.5 } } },
  { key: 'ckd', snomed: '709044004', display: 'Chronic kidney disease', minOnsetAge: 30, visitsPerYear: 1.2,
    risk: { intercept: -3.6, agePerDecade: 0.7, child: -5, bmiPer5: 0.1, conditions: { diabetes: 1.0, hypertension: 0.9 } } },
  { key: 'asthma', snomed: '195967001', display: 'Asthma', minOnsetAge: 2, visitsPerYear: 0.8,
    risk: { intercept: -2.6, agePerDecade: -0.15, child: 0.5, female: 0.2, bmiPer5: 0.2, currentSmoker: 0.4 } },
  { key: 'copd', snomed: '13645005', display: 'Chronic obstructive lung disease', minOnsetAge: 40, visitsPerYear: 1.2,
    risk: { intercept: -4.2, agePerDecade: 0.6, child: -5, currentSmoker: 2.0, formerSmoker: 1.2 } },
  { key: 'coronaryDisease', snomed: '53741008', display: 'Coronary arteriosclerosis', minOnsetAge: 35, visitsPerYear: 1,
    risk: { intercept: -3.6, agePerDecade: 0.75, child: -5, female: -0.7, bmiPer5: 0.2, currentSmoker: 0.8, formerSmoker: 0.3,
      conditions: { diabetes: 0.6, hypertension: 0.5, hyperlipidemia: 0.6 } } },
  { key: 'heartFailure', snomed: '84114007', display: 'Heart failure', minOnsetAge: 40, visitsPerYear: 2,
    risk: { intercept: -4.6, agePerDecade: 0.8, child: -5, female: -0.3, bmiPer5: 0.3,
      conditions: { hypertension: 0.9, coronaryDisease: 1.2, diabetes: 0.4, ckd: 0.5 } } },
  { key: 'atrialFibrillation', snomed: '49436004', display: 'Atrial fibrillation', minOnsetAge: 40, visitsPerYear: 0.8,
    risk: { intercept: -4.3, agePerDecade: 0.9, child: -5, female: -0.3, bmiPer5: 0.2, conditions: { hypertension: 0.4, heartFailure: 0.8 } } },
  { key: 'depression', snomed: '35489007', display: 'Depressive disorder', minOnsetAge: 12, visitsPerYear: 1,
    risk: { intercept: -2.0, agePerDecade: -0.05, child: -1.0, female: 0.6, bmiPer5: 0.15, currentSmoker: 0.4 } },
  { key: 'adhd', snomed: '406506008', display: 'Attention deficit hyperactivity disorder', minOnsetAge: 4, visitsPerYear: 0.5,
    risk: { intercept: -3.8, agePerDecade: -0.25, child: 1.0, female: -0.8 } },
  { key: 'breastCancer', snomed: '254837009', display: 'Malignant neoplasm of breast', minOnsetAge: 30, cancer: true, visitsPerYear: 2,
    risk: { intercept: -8.2, agePerDecade: 0.55, child: -5, female: 4.0, bmiPer5: 0.1 } },
  { key: 'lungCancer', snomed: '363358000', display: 'Malignant tumor of lung', minOnsetAge: 40, cancer: true, visitsPerYear: 3,
    risk: { intercept: -6.3, agePerDecade: 0.6, child: -5, currentSmoker: 2.0, formerSmoker: 1.2, conditions: { copd: 0.6 } } },
  { key: 'prostateCancer', snomed: '399068003', display: 'Malignant tumor of prostate', minOnsetAge: 45, cancer: true, visitsPerYear: 1.5,
    risk: { intercept: -4.0, agePerDecade: 0.9, child: -5, female: -8 } },
  { key: 'colorectalCancer', snomed: '363406005', display: 'Malignant tumor of colon', minOnsetAge: 40, cancer: true, visitsPerYear: 2,
    risk: { intercept: -5.8, agePerDecade: 0.6, child: -5, bmiPer5: 0.2, currentSmoker: 0.4 } },
];

/** Risk of death over the history: age, the severe conditions and the site's offset. */
export const MORTALITY: RiskModel = {
  intercept: -4.2,
  agePerDecade: 0.9,
  child: -2,
  currentSmoker: 0.4,
  conditions: { lungCancer: 2.0, heartFailure: 1.3, copd: 0.8, ckd: 0.6, colorectalCancer: 1.0, breastCancer: 0.6, prostateCancer: 0.4, diabetes: 0.3 },
};

export interface RiskFactors {
  age: number;
  female: boolean;
  bmi: number;
  smoking: 'current' | 'former' | 'never';
  conditions: ReadonlySet<ConditionKey>;
}

/** The log-odds of a risk model for one patient (before the site's offset). */
export function logOdds(model: RiskModel, f: RiskFactors): number {
  let score = model.intercept + (model.agePerDecade ?? 0) * ((f.age - 50) / 10) + (model.bmiPer5 ?? 0) * ((f.bmi - 25) / 5);
  if (f.age < 18) score += model.child ?? 0;
  if (f.female) score += model.female ?? 0;
  if (f.smoking === 'current') score += model.currentSmoker ?? 0;
  if (f.smoking === 'former') score += model.formerSmoker ?? 0;
  for (const [key, weight] of Object.entries(model.conditions ?? {})) if (f.conditions.has(key as ConditionKey)) score += weight;
  return score;
}
