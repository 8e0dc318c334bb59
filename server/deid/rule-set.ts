/**
 * Loading a rules file: JSON checked against profiles/deid/rules.schema.json, then every rule's path compiled.
 * A bad file stops with the rule (its number and path) and the reason named.
 */
import { Ajv } from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../config/site-config.ts';
import { compileRulePath, type CompiledPath } from './rule-path.ts';

export type Method = 'keep' | 'redact' | 'dateShift' | 'cryptoHash' | 'generalize' | 'substitute' | 'perturb';
export type Generalization = 'year' | 'birthDate' | 'zip3' | 'age';

export interface RuleSpec {
  path: string;
  method: Method;
  comment?: string;
  to?: Generalization;
  value?: unknown;
  span?: number;
  spanKind?: 'absolute' | 'relative';
  roundTo?: number;
}

export interface CompiledRule extends RuleSpec {
  /** Position in the file: lower wins. */
  index: number;
  selection: CompiledPath;
}

export interface RuleSet {
  name: string;
  version: string;
  description?: string;
  rules: CompiledRule[];
  dateShiftDays: number;
  restrictedZip3: Set<string>;
  /** The version of the restricted ZIP3 list, reported in the summary. */
  restrictedZip3Version?: string;
  referenceDate?: string;
}

/** A rules file that cannot be used; a ConfigError, so the CLI prints its message alone. */
export class RuleSetError extends ConfigError {}

const DEID_DIR = fileURLToPath(new URL('../../profiles/deid/', import.meta.url));
const schema = JSON.parse(readFileSync(path.join(DEID_DIR, 'rules.schema.json'), 'utf8'));
const validateSchema = new Ajv({ allErrors: true, useDefaults: true, strict: false }).compile(schema);

/** The shipped rule sets by name (`safe-harbor`, `limited-shift`), or a path to a rules file. */
export function resolveRulesFile(nameOrFile: string): string {
  const shipped = path.join(DEID_DIR, `${nameOrFile}.json`);
  if (/^[a-z0-9-]+$/.test(nameOrFile) && existsSync(shipped)) return shipped;
  return path.resolve(nameOrFile);
}

/** Reads and compiles a rules file (or a shipped rule set by name). */
export function loadRuleSet(nameOrFile: string): RuleSet {
  const file = resolveRulesFile(nameOrFile);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new RuleSetError(`Cannot read rules file ${file}: ${(err as Error).message}`);
  }
  return compileRuleSet(raw, file);
}

/** Validates and compiles rules given as JSON; `file` names them in errors and anchors relative paths. */
export function compileRuleSet(raw: unknown, file: string): RuleSet {
  const json = structuredClone(raw) as { name: string; version: string; description?: string; parameters: Record<string, unknown>; rules: RuleSpec[] };
  if (!validateSchema(json)) {
    const problems = (validateSchema.errors ?? []).map((e) => `  ${describeLocation(json, e.instancePath)}: ${e.message}`);
    throw new RuleSetError(`Invalid rules file ${file}:\n${[...new Set(problems)].join('\n')}\nSee profiles/deid/rules.schema.json`);
  }
  const rules = json.rules.map((spec, index): CompiledRule => {
    try {
      return { ...spec, index, selection: compileRulePath(spec.path) };
    } catch (err) {
      throw new RuleSetError(`Invalid rules file ${file}: rule ${index + 1} (${spec.path}): ${(err as Error).message}`);
    }
  });
  const parameters = json.parameters as { dateShiftDays: number; restrictedZip3?: string; referenceDate?: string };
  const zip = parameters.restrictedZip3 ? readZip3List(path.resolve(path.dirname(file), parameters.restrictedZip3), file) : undefined;
  return {
    name: json.name,
    version: json.version,
    description: json.description,
    rules,
    dateShiftDays: parameters.dateShiftDays,
    restrictedZip3: new Set(zip?.zip3 ?? []),
    restrictedZip3Version: zip?.version,
    referenceDate: parameters.referenceDate,
  };
}

function readZip3List(file: string, rulesFile: string): { version: string; zip3: string[] } {
  try {
    const list = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; zip3?: unknown };
    if (typeof list.version !== 'string' || !Array.isArray(list.zip3) || !list.zip3.every((z) => typeof z === 'string' && /^[0-9]{3}$/.test(z))) {
      throw new Error('expected { "version": "...", "zip3": ["036", ...] }');
    }
    return { version: list.version, zip3: list.zip3 as string[] };
  } catch (err) {
    throw new RuleSetError(`Invalid rules file ${rulesFile}: restricted ZIP3 list ${file}: ${(err as Error).message}`);
  }
}

/** "/rules/3/method" -> "rule 4 (Patient.name) method". */
function describeLocation(json: { rules?: RuleSpec[] }, instancePath: string): string {
  const match = /^\/rules\/(\d+)(.*)$/.exec(instancePath);
  if (!match) return instancePath || '/';
  const index = Number(match[1]);
  const rulePath = json.rules?.[index]?.path;
  return `rule ${index + 1}${rulePath ? ` (${rulePath})` : ''}${match[2] ? ` ${match[2].slice(1)}` : ''}`;
}
