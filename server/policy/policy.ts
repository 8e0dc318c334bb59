/**
 * The site's disclosure-control policy: the typed form of profiles/policy.schema.json, loaded and validated once
 * at start. A wrong policy stops the site with a message a person can act on (the site alone sets it).
 */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compiledOnFirstUse } from '../config/compiled-on-first-use.ts';

export type NoiseSettings =
  | { mechanism: 'none'; clamp?: number }
  | { mechanism: 'laplace'; epsilon: number; clamp?: number }
  | { mechanism: 'gaussian'; sigma: number; delta: number; clamp?: number };

export interface DisclosurePolicy {
  minCellSize: number;
  showZero: boolean;
  rounding: number;
  noise: NoiseSettings;
  budget: { perPeriod: number; period: 'day' | 'week' | 'month' | 'year' };
  rateLimit: { perMinute: number; perDay: number };
  allow: {
    searchParameters?: Record<string, string[]>;
    stratifiers?: string[];
    populationExpressions?: string[];
    observationCodes?: string[];
  };
  minimums: { statisticsMinN?: number; minMaxRequireNoise: boolean; maxStrataRatio: boolean; histogramMaxBins: number };
  statisticsBounds?: Record<string, { lower: number; upper: number }>;
}

export class PolicyError extends Error {}

const SCHEMA_PATH = fileURLToPath(new URL('../../profiles/policy.schema.json', import.meta.url));
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../../profiles/policy/default.json', import.meta.url));
const schemaValidator = compiledOnFirstUse(() => new Ajv({ useDefaults: true, allErrors: true }).compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'))));

/** Reads and validates a policy file (the default policy when none is named). */
export function loadPolicy(file: string = DEFAULT_POLICY_PATH): DisclosurePolicy {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new PolicyError(`Cannot read disclosure policy ${file}: ${(err as Error).message}`);
  }
  return policyFrom(raw, file);
}

/** Validates a policy object against the schema and fills its defaults. */
export function policyFrom(raw: unknown, source = '(inline)'): DisclosurePolicy {
  const copy = structuredClone(raw);
  const validateSchema = schemaValidator();
  if (!validateSchema(copy)) {
    const problems = (validateSchema.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message}`);
    throw new PolicyError(`Invalid disclosure policy ${source}:\n${problems.join('\n')}\nSee profiles/policy.schema.json`);
  }
  return copy as DisclosurePolicy;
}

/** The privacy loss of one released statistic of sensitivity 1; without noise each release costs one unit. */
export function epsilonPerRelease(noise: NoiseSettings): number {
  if (noise.mechanism === 'laplace') return noise.epsilon;
  // The classic Gaussian-mechanism bound: sigma = sqrt(2 ln(1.25/delta)) / epsilon (Dwork & Roth, Thm A.1).
  if (noise.mechanism === 'gaussian') return Math.sqrt(2 * Math.log(1.25 / noise.delta)) / noise.sigma;
  return 1;
}

/** The minimum n for statistics. */
export function statisticsMinN(policy: DisclosurePolicy): number {
  return policy.minimums.statisticsMinN ?? policy.minCellSize;
}
