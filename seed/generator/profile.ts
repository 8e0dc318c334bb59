/**
 * A site profile: who the site's patients are (age, sex, BMI, smoking, where they live) and how its disease
 * burden differs (log-odds offsets per condition). Validated against profiles/seed-profile.schema.json.
 */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConditionKey } from './condition-catalog.ts';

export interface AgeBand {
  min: number;
  max: number;
  weight: number;
}

export interface SeedProfile {
  name: string;
  title: string;
  /** "Today" for the data: the end of every patient's history. Output never depends on the clock. */
  referenceDate: string;
  /** Years of history before the reference date (the scale of the output: ~10 resources per patient-year). */
  historyYears: number;
  femaleShare: number;
  ageBands: AgeBand[];
  bmi: { mean: number; sd: number };
  /** Shares of adults who smoke now and who smoked before. */
  smoking: { current: number; former: number };
  /** Visits a healthy adult makes per year; chronic conditions add to it. */
  encountersPerYear: number;
  /** Share of visits that go to the emergency department. */
  emergencyShare: number;
  fluVaccineUptake: number;
  /** Log-odds added to each condition's risk at this site (0 = the model's baseline). */
  conditionRisk: Partial<Record<ConditionKey, number>>;
  /** Log-odds added to the risk of death over the history. */
  mortality: number;
  address: {
    state: string;
    cities: { name: string; zip3: string }[];
    /** Share of patients living in a 3-digit ZIP area of fewer than 20,000 people (HIPAA Safe Harbor must zero those). */
    restrictedZipShare: number;
    restrictedZip3: string[];
    areaCodes: string[];
  };
  /** Identifier system of the site's medical record numbers. */
  mrnSystem: string;
}

export class SeedProfileError extends Error {}

const SCHEMA_PATH = fileURLToPath(new URL('../../profiles/seed-profile.schema.json', import.meta.url));
const PROFILES_DIR = fileURLToPath(new URL('../profiles/', import.meta.url));
let validateSchema: ReturnType<Ajv['compile']> | undefined;

/** The names of the profiles shipped in seed/profiles/. */
export const DEMO_PROFILES = ['urban-academic', 'rural-network', 'community-paediatric'] as const;

/** Loads a profile by name (seed/profiles/<name>.json) or by path, and validates it. */
export function loadSeedProfile(nameOrPath: string): SeedProfile {
  const file = /[/\\]|\.json$/.test(nameOrPath) ? path.resolve(nameOrPath) : path.join(PROFILES_DIR, `${nameOrPath}.json`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SeedProfileError(`Cannot read seed profile ${nameOrPath}: ${(err as Error).message}`);
  }
  return seedProfileFrom(raw, file);
}

export function seedProfileFrom(raw: unknown, source: string): SeedProfile {
  validateSchema ??= new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
  if (!validateSchema(raw)) {
    const problems = (validateSchema.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message}`);
    throw new SeedProfileError(`Invalid seed profile ${source}:\n${problems.join('\n')}\nSee profiles/seed-profile.schema.json`);
  }
  const profile = raw as SeedProfile;
  if (Number.isNaN(Date.parse(profile.referenceDate))) throw new SeedProfileError(`Invalid seed profile ${source}: referenceDate`);
  return profile;
}
