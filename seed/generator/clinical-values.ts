/**
 * What a measurement would show for a person at a given time: vitals and labs as functions of age, sex, BMI,
 * smoking, the conditions present then and the person's own offsets, plus visit-to-visit noise. This is where
 * "HbA1c is higher with diabetes, eGFR lower with CKD, blood pressure higher with hypertension" lives.
 */
import { yearsBetween } from './calendar.ts';
import { hasAt, type Person } from './person.ts';
import { measured, type Random } from './random.ts';

export interface Vitals {
  height: number;
  weight: number;
  bmi: number;
  systolic: number;
  diastolic: number;
  heartRate: number;
}

export interface Labs {
  hba1c: number;
  glucose: number;
  creatinine: number;
  egfr: number;
  cholesterol: number;
  ldl: number;
  hdl: number;
  triglycerides: number;
}

/** Height grows to the adult height by 17; BMI dips in childhood and reaches the adult value by 20. */
export function vitalsAt(person: Person, at: number, rng: Random): Vitals {
  const age = Math.max(0, yearsBetween(person.birth, at));
  const height = 50 + (person.height - 50) * Math.min(1, age / 17) ** 0.6;
  const bmi = age >= 20 ? person.bmi + rng.normal(0, 0.4) : 16 + (person.bmi - 16) * Math.min(1, age / 20) * 0.9 + rng.normal(0, 0.3);
  const weight = (bmi * height * height) / 10_000;
  const has = (key: Parameters<typeof hasAt>[1]) => hasAt(person, key, at);
  const adult = age >= 18;
  let systolic = adult ? 108 + 0.45 * (age - 20) + 0.7 * (bmi - 25) : 95 + age;
  if (has('hypertension')) systolic += 24;
  if (has('ckd')) systolic += 6;
  systolic += 8 * person.trait.sbp + rng.normal(0, 7);
  const diastolic = 0.45 * systolic + 18 + (has('hypertension') ? 6 : 0) + rng.normal(0, 5);
  let heartRate = (adult ? 72 : 100 - 1.6 * age) + 6 * person.trait.hr + rng.normal(0, 5);
  if (has('heartFailure') || has('copd')) heartRate += 8;
  if (has('atrialFibrillation')) heartRate += 12;
  if (person.smoking === 'current') heartRate += 3;
  return {
    height: measured(height, 1, 45, 210),
    weight: measured(weight, 1, 2, 250),
    bmi: measured(bmi, 1, 11, 70),
    systolic: measured(systolic, 0, 70, 230),
    diastolic: measured(diastolic, 0, 40, 140),
    heartRate: measured(heartRate, 0, 40, 180),
  };
}

export function labsAt(person: Person, at: number, rng: Random): Labs {
  const age = Math.max(0, yearsBetween(person.birth, at));
  const has = (key: Parameters<typeof hasAt>[1]) => hasAt(person, key, at);
  let hba1c = 5.2 + 0.008 * Math.max(0, age - 30) + 0.025 * (person.bmi - 25) + 0.25 * person.trait.a1c;
  if (has('diabetes')) hba1c += 2.0 + 0.6 * Math.abs(person.trait.a1c) + rng.normal(0, 0.5);
  hba1c += rng.normal(0, 0.15);
  // ADAG: estimated average glucose = 28.7 × HbA1c − 46.7 mg/dL; a fasting draw scatters around it.
  const glucose = 28.7 * hba1c - 46.7 + rng.normal(0, 12);
  let egfr = 118 - 0.85 * Math.max(0, age - 25) + 8 * person.trait.egfr;
  if (has('diabetes')) egfr -= 6;
  if (has('hypertension')) egfr -= 6;
  if (has('heartFailure')) egfr -= 8;
  if (has('ckd')) egfr = Math.min(egfr, 52) * (0.45 + 0.35 * (1 / (1 + yearsBetween(person.onsets.get('ckd')!, at))) + 0.1 * person.trait.egfr);
  egfr = Math.max(5, egfr + rng.normal(0, 4));
  let ldl = 95 + 0.6 * Math.max(0, Math.min(age, 65) - 20) + 22 * person.trait.ldl;
  if (has('hyperlipidemia')) ldl += 45;
  if (has('diabetes')) ldl += 8;
  if (has('hyperlipidemia') || has('coronaryDisease')) ldl *= 0.72; // on a statin
  ldl += rng.normal(0, 10);
  const hdl = 52 + (person.female ? 10 : 0) - 1.1 * (person.bmi - 25) - (person.smoking === 'current' ? 4 : 0) + 9 * person.trait.hdl + rng.normal(0, 4);
  const triglycerides = 105 + 6 * (person.bmi - 25) + (has('diabetes') ? 55 : 0) + (has('hyperlipidemia') ? 40 : 0) + rng.normal(0, 25);
  return {
    hba1c: measured(hba1c, 1, 3.8, 15),
    glucose: measured(glucose, 0, 45, 450),
    creatinine: measured(creatinineFromEgfr(egfr, age, person.female), 2, 0.2, 12),
    egfr: measured(egfr, 0, 4, 140),
    cholesterol: measured(Math.max(60, ldl) + Math.max(20, hdl) + Math.max(40, triglycerides) / 5, 0, 90, 400),
    ldl: measured(ldl, 0, 30, 300),
    hdl: measured(hdl, 0, 20, 110),
    triglycerides: measured(triglycerides, 0, 40, 900),
  };
}

/** Inverts the 2009 CKD-EPI equation (above the knee), so creatinine and eGFR always agree. */
function creatinineFromEgfr(egfr: number, age: number, female: boolean): number {
  const kappa = female ? 0.7 : 0.9;
  const base = 141 * 0.993 ** Math.max(18, age) * (female ? 1.018 : 1);
  return kappa * (egfr / base) ** (-1 / 1.209);
}

/** NT-proBNP (pg/mL): high in heart failure. */
export function ntProBnpAt(person: Person, at: number, rng: Random): number {
  const base = hasAt(person, 'heartFailure', at) ? 1400 : 70 + 3 * Math.max(0, yearsBetween(person.birth, at) - 40);
  return measured(base * Math.exp(rng.normal(0, 0.45)), 0, 5, 35_000);
}

/** PHQ-9 total score (0–27): high in depression. */
export function phq9At(person: Person, at: number, rng: Random): number {
  return measured(hasAt(person, 'depression', at) ? rng.normal(14, 4.5) : Math.abs(rng.normal(0, 3)), 0, 0, 27);
}

/** FEV1/FVC (%): low in COPD, lower in asthma. */
export function fev1FvcAt(person: Person, at: number, rng: Random): number {
  let ratio = 82 - 0.15 * Math.max(0, yearsBetween(person.birth, at) - 25);
  if (hasAt(person, 'copd', at)) ratio -= 22;
  else if (hasAt(person, 'asthma', at)) ratio -= 9;
  if (person.smoking === 'current') ratio -= 3;
  return measured(ratio + rng.normal(0, 3.5), 0, 25, 95);
}
