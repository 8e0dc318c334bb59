/**
 * What the stratifiers and FHIRPath criteria of a measure read of each subject. The two stratifiers almost every
 * measure uses, `Patient.gender` and `Patient.ageBand(n)`, are answered from the Patients' index entries (the
 * `gender` and `birthdate` sort keys the search extraction already stored) with no Patient body read; any other
 * expression runs as FHIRPath on the Patient resources, loaded only then. Both give the same text for a subject.
 */
import type { Patient } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.ts';
import type { Filter } from '../store/types.ts';
import { ageBandOfAge, compileSubjectExpression, stratumText } from './stratifier-expression.ts';

/** The sort keys read with each Patient: `srt.gender` is the gender code, `srt.birthdate` the birth date's start. */
const INDEX_KEYS = ['gender', 'birthdate'] as const;
type KeyValue = string | number | Date | undefined;

/** The index-backed form of an expression, when it has one. */
function indexedForm(expression: string): { slot: number; text: (value: KeyValue, at: Date) => string } | undefined {
  const text = expression.replace(/\s+/g, '');
  if (text === 'Patient.gender') return { slot: 0, text: (v) => (typeof v === 'string' && v ? v : '(none)') };
  const band = /^(?:Patient\.)?ageBand\((\d{1,3})\)$/.exec(text);
  if (band && Number(band[1]) >= 1) {
    const width = Number(band[1]);
    return { slot: 1, text: (v, at) => ageBandOfAge(ageAt(v, at), width) ?? '(none)' };
  }
  return undefined;
}

/** Whole years from a stored birth date (a Date, epoch milliseconds or ISO text, as stores keep it) to `at`, as ageInYears counts. */
function ageAt(value: KeyValue, at: Date): number | undefined {
  const born = value instanceof Date ? value : value !== undefined ? new Date(value) : undefined;
  if (!born || Number.isNaN(born.getTime())) return undefined;
  let age = at.getUTCFullYear() - born.getUTCFullYear();
  const [month, day] = [born.getUTCMonth() + 1, born.getUTCDate()];
  if (at.getUTCMonth() + 1 < month || (at.getUTCMonth() + 1 === month && at.getUTCDate() < day)) age -= 1;
  return age;
}

export class SubjectTable {
  private readonly keys = new Map<string, KeyValue[]>();
  private readonly patients = new Map<string, Patient>();

  constructor(readonly at: Date) {}

  /** Ids of the Patients matching a store filter, keeping their index keys (or, without Store.matchKeys, the resources). */
  async addMatches(ctx: FhirContext, filter: Filter): Promise<string[]> {
    if (ctx.store.matchKeys) {
      const rows = await ctx.store.matchKeys(filter, [...INDEX_KEYS]);
      for (const row of rows) this.keys.set(row.id, row.keys);
      return rows.map((r) => r.id);
    }
    const found = await ctx.store.find({ filter });
    for (const v of found) this.patients.set(v.id, JSON.parse(v.json) as Patient);
    return found.map((v) => v.id);
  }

  /** Makes sure every id can be evaluated on `expressions` (loads keys or resources it lacks). */
  async prepare(ctx: FhirContext, ids: Iterable<string>, expressions: string[]): Promise<void> {
    const needResources = expressions.some((e) => !indexedForm(e));
    const missing = [...ids].filter((id) => !this.patients.has(id) && (needResources || !this.keys.has(id)));
    if (missing.length === 0) return;
    const filter = { type: 'Patient', deleted: false, id: { $in: missing } };
    if (!needResources && ctx.store.matchKeys) {
      for (const row of await ctx.store.matchKeys(filter, [...INDEX_KEYS])) this.keys.set(row.id, row.keys);
      return;
    }
    for (const v of await ctx.store.find({ filter })) this.patients.set(v.id, JSON.parse(v.json) as Patient);
  }

  /** The stratum text of a subject for an expression (after `prepare`). */
  textOf(expression: string): (id: string) => string {
    const indexed = indexedForm(expression);
    let compiled: ((subject: Record<string, unknown>) => unknown[]) | undefined;
    const fhirpath = (id: string) => {
      const patient = this.patients.get(id);
      if (!patient) return '(none)';
      compiled ??= compileSubjectExpression(expression, 'Patient', this.at);
      return stratumText(compiled(patient as unknown as Record<string, unknown>));
    };
    if (!indexed) return fhirpath;
    return (id) => {
      const keys = this.keys.get(id);
      return keys ? indexed.text(keys[indexed.slot], this.at) : fhirpath(id);
    };
  }

  /** The boolean result of a FHIRPath criteria expression for a subject (after `prepare`). */
  test(expression: string): (id: string) => boolean {
    const compiled = compileSubjectExpression(expression, 'Patient', this.at);
    return (id) => {
      const patient = this.patients.get(id);
      return patient !== undefined && compiled(patient as unknown as Record<string, unknown>)[0] === true;
    };
  }
}
