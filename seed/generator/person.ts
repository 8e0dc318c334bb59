/**
 * One synthetic person's hidden state: sex, birth, BMI, smoking, the conditions they develop (by the risk models
 * of condition-catalog.ts and the site's offsets), death, and the personal offsets their lab values carry.
 * Everything the resources show is derived from this state, which is what makes the data correlated.
 */
import { ageAt, DAY_MS, parseDay, YEAR_MS } from './calendar.ts';
import { CONDITIONS, logOdds, MORTALITY, type ConditionKey, type RiskFactors } from './condition-catalog.ts';
import type { SeedProfile } from './profile.ts';
import { logistic, type Random } from './random.ts';

export type Smoking = 'current' | 'former' | 'never';

export interface Person {
  female: boolean;
  birth: number;
  /** Age at the reference date (or at death). */
  age: number;
  /** Adult BMI (children's BMI is derived from it by age). */
  bmi: number;
  /** Adult height in cm. */
  height: number;
  smoking: Smoking;
  /** Onset of each condition the person has, in ms. */
  onsets: Map<ConditionKey, number>;
  /** Death, if it falls within the history. */
  death?: number;
  /** Personal offsets (standard-normal draws) that keep a person's lab values consistent from visit to visit. */
  trait: { a1c: number; sbp: number; egfr: number; ldl: number; hdl: number; hr: number };
  /** The history covered: from max(birth, reference - historyYears) to death or the reference date. */
  start: number;
  end: number;
}

export function drawPerson(rng: Random, profile: SeedProfile): Person {
  const reference = parseDay(profile.referenceDate);
  const band = rng.weighted(profile.ageBands, (b) => b.weight);
  const ageYears = rng.uniform(band.min, band.max + 1);
  const birth = Math.floor((reference - ageYears * YEAR_MS) / DAY_MS) * DAY_MS;
  const age = ageAt(birth, reference);
  const female = rng.chance(profile.femaleShare);
  const smoking = drawSmoking(rng, profile, age, female);
  // Adults put on weight into their sixties; smokers are slightly leaner.
  const bmiMean = profile.bmi.mean + 0.06 * (Math.min(age, 65) - 45) - (smoking === 'current' ? 0.8 : 0);
  const bmi = Math.min(55, Math.max(16.5, rng.normal(bmiMean, profile.bmi.sd)));
  const height = female ? rng.normal(163, 6.5) : rng.normal(176.5, 7);
  const onsets = drawConditions(rng, profile, { age, female, bmi, smoking, conditions: new Set() }, birth, reference);
  const start = Math.max(birth, reference - profile.historyYears * YEAR_MS);
  const deathRisk = logistic(logOdds(MORTALITY, { age, female, bmi, smoking, conditions: new Set(onsets.keys()) }) + profile.mortality);
  const latestOnset = Math.max(start, ...onsets.values());
  const death = rng.chance(deathRisk) ? rng.uniform(latestOnset, reference - DAY_MS) : undefined;
  const trait = { a1c: rng.normal(), sbp: rng.normal(), egfr: rng.normal(), ldl: rng.normal(), hdl: rng.normal(), hr: rng.normal() };
  return { female, birth, age, bmi, height, smoking, onsets, death, trait, start, end: death ?? reference };
}

function drawSmoking(rng: Random, profile: SeedProfile, age: number, female: boolean): Smoking {
  if (age < 15) return 'never';
  const scale = (age < 21 ? 0.4 : 1) * (female ? 0.85 : 1.15);
  const r = rng.next();
  if (r < profile.smoking.current * scale) return 'current';
  if (age >= 25 && r < (profile.smoking.current + profile.smoking.former) * scale) return 'former';
  return 'never';
}

/** Draws each condition in catalog order, so later risks see earlier conditions; onset between its youngest age and now. */
function drawConditions(rng: Random, profile: SeedProfile, factors: RiskFactors, birth: number, reference: number): Map<ConditionKey, number> {
  const onsets = new Map<ConditionKey, number>();
  const has = factors.conditions as Set<ConditionKey>;
  for (const condition of CONDITIONS) {
    if (factors.age < condition.minOnsetAge) continue;
    const p = logistic(logOdds(condition.risk, factors) + (profile.conditionRisk[condition.key] ?? 0));
    if (!rng.chance(p)) continue;
    // A condition that depends on another starts after it.
    const after = Math.max(0, ...Object.keys(condition.risk.conditions ?? {}).map((k) => onsets.get(k as ConditionKey) ?? 0));
    const earliest = Math.max(birth + condition.minOnsetAge * YEAR_MS, after);
    // Onsets lean towards recent years: most chronic disease is diagnosed late.
    const onset = earliest + (reference - DAY_MS - earliest) * Math.sqrt(rng.next());
    onsets.set(condition.key, Math.floor(onset / 60_000) * 60_000);
    has.add(condition.key);
  }
  return onsets;
}

/** True when the person has the condition at that time. */
export function hasAt(person: Person, key: ConditionKey, at: number): boolean {
  const onset = person.onsets.get(key);
  return onset !== undefined && onset <= at;
}
