/**
 * Stratifier and criteria expressions: FHIRPath on the subject (https://hl7.org/fhir/R4/measure.html#stratifiers),
 * plus `ageBand(width)`, which gives the subject's age band at the report's reference date ("40-49"). Plain
 * `Patient.a.b` paths and `Patient.ageBand(n)` run as direct property walks (the bench evaluates them per patient);
 * everything else runs on the fhirpath engine with the R4 model.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { badRequest } from '../fhir/outcomes.ts';

type Json = Record<string, unknown>;
export type SubjectExpression = (subject: Json) => unknown[];

/** Whole years between a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) and a reference date. */
export function ageInYears(birthDate: string, at: Date): number | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(birthDate);
  if (!m) return undefined;
  const [year, month, day] = [Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1)];
  let age = at.getUTCFullYear() - year;
  if (at.getUTCMonth() + 1 < month || (at.getUTCMonth() + 1 === month && at.getUTCDate() < day)) age -= 1;
  return age;
}

/** "40-49" for age 43 and width 10. */
export function ageBand(birthDate: unknown, width: number, at: Date): string | undefined {
  if (typeof birthDate !== 'string') return undefined;
  return ageBandOfAge(ageInYears(birthDate, at), width);
}

/** "40-49" for age 43 and width 10; undefined for no age or a negative one. */
export function ageBandOfAge(age: number | undefined, width: number): string | undefined {
  if (age === undefined || age < 0) return undefined;
  const lo = Math.floor(age / width) * width;
  return `${lo}-${lo + width - 1}`;
}

/** Compiles an expression over subjects of `type`, with `at` as the age reference date. */
export function compileSubjectExpression(expression: string, type: string, at: Date): SubjectExpression {
  const text = expression.trim();
  const band = new RegExp(`^(?:${type}\\.)?ageBand\\((\\d{1,3})\\)$`).exec(text);
  if (band) {
    const width = Number(band[1]);
    if (width < 1) throw badRequest('ageBand width must be at least 1', 'criteria.expression');
    return (s) => {
      const v = ageBand(s.birthDate, width, at);
      return v === undefined ? [] : [v];
    };
  }
  const path = new RegExp(`^${type}((?:\\.[a-z][A-Za-z]*)+)$`).exec(text);
  if (path) {
    const names = path[1].slice(1).split('.');
    return (s) => walk(s, names);
  }
  const userInvocationTable = {
    ageBand: {
      fn: (inputs: unknown[], width: number) =>
        inputs.flatMap((i) => {
          const node = (i as { data?: Json }).data ?? (i as Json);
          // The engine may hand the Integer argument over as text ("5"): arithmetic on it must be numeric.
          const v = ageBand(node.birthDate, Number(width), at);
          return v === undefined ? [] : [v];
        }),
      arity: { 1: ['Integer'] },
    },
  };
  let compiled: (r: Json) => unknown[];
  try {
    compiled = fhirpath.compile(text, r4model, { userInvocationTable } as never) as unknown as (r: Json) => unknown[];
  } catch (err) {
    throw badRequest(`Invalid FHIRPath "${text.slice(0, 200)}": ${(err as Error).message.slice(0, 200)}`, 'criteria.expression');
  }
  return (s) => compiled(s);
}

function walk(value: unknown, names: string[]): unknown[] {
  let current: unknown[] = [value];
  for (const name of names) {
    const next: unknown[] = [];
    for (const item of current) {
      const v = item && typeof item === 'object' ? (item as Json)[name] : undefined;
      if (Array.isArray(v)) next.push(...v);
      else if (v !== undefined && v !== null) next.push(v);
    }
    current = next;
  }
  return current;
}

/** A stratum key from an expression's result: its first value as text; none gives "(none)". */
export function stratumText(values: unknown[]): string {
  const v = values[0];
  if (v === undefined || v === null) return '(none)';
  if (typeof v === 'object') {
    const o = v as Json;
    if (typeof o.code === 'string') return o.code;
    const coding = (o.coding as Json[] | undefined)?.[0];
    if (coding && typeof coding.code === 'string') return coding.code;
    if (typeof o.text === 'string') return o.text;
    return JSON.stringify(v);
  }
  return String(v);
}
