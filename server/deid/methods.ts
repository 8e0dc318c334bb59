/**
 * What each method does to one node. Most methods work on primitive values (the walker hands them every primitive
 * a rule reaches); `substitute` and `generalize(age)` replace a whole node. A method that does not apply to a
 * value's type removes the value: when in doubt, nothing identifying is kept.
 */
import { ageInYears, foldBirthYear, impliesAgeOver89, shiftDate, yearOf } from './dates.ts';
import { keyedHash, keyedUniform } from './keyed-hash.ts';
import type { CompiledRule } from './rule-set.ts';
import type { SecurityLabel } from './security-labels.ts';

/** Returned by a method to remove the value. */
export const REMOVE = Symbol('remove');
type Result = unknown | typeof REMOVE;

export interface MethodContext {
  key: Buffer;
  referenceYear: number;
  /** Days this resource's patient's dates move by (limited-shift). */
  shiftDays: number;
  restrictedZip3: Set<string>;
  /** Where this value sits (resource and element path): perturb draws its noise from it. */
  location: string;
  /** Labels of what was done, collected for meta.security. */
  labels: Set<SecurityLabel>;
}

const DATE_TYPES = new Set(['date', 'dateTime', 'instant']);
const NUMBER_TYPES = new Set(['decimal', 'integer', 'positiveInt', 'unsignedInt']);
const HASHABLE = new Set(['string', 'id', 'code', 'uri', 'url', 'canonical', 'markdown', 'oid', 'uuid']);

/** Methods that act on a whole (complex) node rather than on each primitive below it. */
export function isNodeMethod(rule: CompiledRule, type: string): boolean {
  return rule.method === 'substitute' || (rule.method === 'generalize' && rule.to === 'age' && (type === 'Age' || type === 'Quantity'));
}

/** Applies a node method to a complex node. */
export function applyNodeMethod(rule: CompiledRule, node: Record<string, unknown>, ctx: MethodContext): Result {
  if (rule.method === 'substitute') {
    ctx.labels.add('MASKED');
    return structuredClone(rule.value);
  }
  const years = typeof node.value === 'number' ? ageInYears(node.value, (node.code ?? node.unit) as string | undefined) : undefined;
  if (years === undefined) return REMOVE_WITH(ctx);
  if (years < 90) return node;
  ctx.labels.add('ABSTRED');
  return { ...node, value: 90, comparator: '>=', unit: 'a', system: 'http://unitsofmeasure.org', code: 'a' };
}

/** Applies a method to one primitive value of FHIR type `type`; `name` is its element name (birthDate). */
export function applyLeafMethod(rule: CompiledRule, value: unknown, type: string, name: string, ctx: MethodContext): Result {
  switch (rule.method) {
    case 'keep':
      return value;
    case 'redact':
      return REMOVE_WITH(ctx);
    case 'cryptoHash':
      return HASHABLE.has(type) && typeof value === 'string' ? labelled(ctx, 'CRYTOHASH', hashAs(type, keyedHash(ctx.key, 'value', value))) : REMOVE_WITH(ctx);
    case 'dateShift':
      return DATE_TYPES.has(type) && typeof value === 'string' ? labelled(ctx, 'PERTURBED', shiftedDate(value, type, name, ctx)) : REMOVE_WITH(ctx);
    case 'perturb':
      return NUMBER_TYPES.has(type) && typeof value === 'number' ? labelled(ctx, 'PERTURBED', perturbed(rule, value, type, ctx)) : REMOVE_WITH(ctx);
    case 'generalize':
      return generalized(rule, value, type, ctx);
    case 'substitute':
      return labelled(ctx, 'MASKED', structuredClone(rule.value));
  }
}

function generalized(rule: CompiledRule, value: unknown, type: string, ctx: MethodContext): Result {
  if (typeof value !== 'string') return REMOVE_WITH(ctx);
  if ((rule.to === 'year' || rule.to === 'birthDate') && (type === 'date' || type === 'dateTime')) {
    const year = rule.to === 'birthDate' ? foldBirthYear(yearOf(value), ctx.referenceYear) : yearOf(value);
    const result = String(year).padStart(4, '0');
    return result === value ? value : labelled(ctx, 'ABSTRED', result);
  }
  if (rule.to === 'zip3') {
    const zip = /^(\d{3})\d{2}(?:-?\d{4})?$/.exec(value.trim());
    if (!zip) return REMOVE_WITH(ctx);
    return labelled(ctx, 'ABSTRED', ctx.restrictedZip3.has(zip[1]) ? '000' : zip[1]);
  }
  return REMOVE_WITH(ctx); // an instant cannot hold a year alone; other types have nothing to generalise to
}

/** A birth date that implies an age over 89 is folded to the year of the 90+ category even when dates are shifted. */
function shiftedDate(value: string, type: string, name: string, ctx: MethodContext): string {
  if (name === 'birthDate' && impliesAgeOver89(value, ctx.referenceYear)) return String(foldBirthYear(yearOf(value), ctx.referenceYear));
  return shiftDate(value, ctx.shiftDays, type);
}

function perturbed(rule: CompiledRule, value: number, type: string, ctx: MethodContext): number {
  const draw = keyedUniform(ctx.key, 'perturb', `${ctx.location}|${value}`) * 2 - 1;
  const span = rule.spanKind === 'absolute' ? rule.span! : rule.span! * Math.abs(value);
  const digits = type === 'decimal' ? (rule.roundTo ?? 2) : 0;
  const result = Number((value + draw * span).toFixed(digits));
  if (type === 'positiveInt') return Math.max(1, result);
  if (type === 'unsignedInt') return Math.max(0, result);
  return result;
}

/** A hash that still fits its type: an oid stays an OID, a uuid a UUID. */
function hashAs(type: string, hex: string): string {
  if (type === 'oid') return `urn:oid:2.25.${BigInt(`0x${hex.slice(0, 32)}`)}`;
  if (type === 'uuid') return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return hex;
}

function labelled(ctx: MethodContext, label: SecurityLabel, value: unknown): unknown {
  ctx.labels.add(label);
  return value;
}

function REMOVE_WITH(ctx: MethodContext): typeof REMOVE {
  ctx.labels.add('REDACTED');
  return REMOVE;
}
