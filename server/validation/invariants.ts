/**
 * Constraint (invariant) evaluation: https://hl7.org/fhir/R4/conformance-rules.html#constraints
 * A constraint holds unless its expression evaluates to exactly `false`: empty (unknown) is not a failure.
 * Each (constraint, FHIRPath type) is prepared once, as the first of these that applies:
 * 1. skipped (SKIPPED_INVARIANTS) or corrected (CORRECTED_INVARIANTS), each with its reason;
 * 2. a native check (native-checks.ts) where fhirpath.js cannot evaluate it, leaves it unknown (per-1), or is too
 *    slow for where it sits;
 * 3. a presence test (presence.ts) when it only asks which elements exist;
 * 4. fhirpath.js with its R4 model, compiled once, behind a vacuity guard (vacuity.ts) that spares the call when
 *    the elements it reads are absent.
 * The shortcuts that only save time (the ref-1 native check, presence tests, vacuity guards) give the same
 * verdicts as fhirpath.js alone: the HL7 examples test compares the two (useInvariantFastPaths).
 */
import fhirpath, { type UserInvocationTable } from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import type { Constraint } from './definitions.ts';
import { NATIVE_CHECKS } from './native-checks.ts';
import { compilePresence } from './presence.ts';
import { canSkip, vacuityGuard } from './vacuity.ts';

export interface InvariantScope {
  /** %resource: the resource that holds the element. */
  resource: Record<string, unknown>;
  /** %rootResource: the container of a contained resource, or the resource itself. */
  rootResource: Record<string, unknown>;
}

/**
 * Constraints that fhirpath.js evaluates wrongly on valid R4 content, or that need what this server has not
 * (terminology, reference resolution). Keyed by key; the expression must match too, so a profile that reuses a
 * key with its own expression is still evaluated.
 */
export const SKIPPED_INVARIANTS: Record<string, { expression: string; reason: string }> = {
  'que-7': {
    expression: "operator = 'exists' implies (answer is Boolean)",
    reason:
      'fhirpath.js types answerBoolean as FHIR.boolean, which `is Boolean` (System.Boolean) does not match, so ' +
      'every enableWhen with operator exists fails (Questionnaire-bb, a valid HL7 example)',
  },
  'ctm-1': {
    expression: 'onBehalfOf.exists() implies (member.resolve().iif(empty(), true, ofType(Practitioner).exists()))',
    reason: 'needs resolve(), which fhirpath.js only runs asynchronously and which needs references resolved',
  },
};

/**
 * Constraints whose R4 expression contradicts their own text, evaluated as corrected in later FHIR versions.
 */
export const CORRECTED_INVARIANTS: Record<string, { expression: string; corrected: string; reason: string }> = {
  'que-12': {
    expression: 'enableWhen.count() > 2 implies enableBehavior.exists()',
    corrected: 'enableWhen.count() > 1 implies enableBehavior.exists()',
    reason: "'If there are more than one enableWhen, enableBehavior must be specified': > 2 is an R4 typo (R4B: > 1)",
  },
};

/** Undefined when the constraint holds, else what is wrong ('' when the constraint's text says it all). */
type Evaluator = (node: unknown, scope: InvariantScope) => string | undefined;

interface Prepared {
  evaluate: Evaluator;
  /** Sets of child names whose absence makes the constraint hold without evaluating it. */
  guard?: string[][];
}

/** By constraint (the objects of the rule tables) and FHIRPath type. */
let prepared = new WeakMap<Constraint, Map<string, Prepared>>();

/** Native checks that only save time (the others stand in for what fhirpath.js cannot evaluate). */
const FAST_PATH_ONLY = new Set(['ref-1', 'con-3', 'con-5']);
let fastPaths = true;

/**
 * With `false`, every constraint fhirpath.js can evaluate is evaluated by it: no native check that only saves
 * time, no presence compilation, no vacuity guard. For tests that compare both ways.
 */
export function useInvariantFastPaths(enabled: boolean): void {
  if (enabled !== fastPaths) prepared = new WeakMap();
  fastPaths = enabled;
}

const evaluationErrors = new Map<string, string>();

/** Constraints whose expression fhirpath.js could not compile or run, with the error; for reports and tests. */
export function invariantEvaluationErrors(): Map<string, string> {
  return evaluationErrors;
}

/**
 * Checks a constraint on `node`, of FHIRPath type `fhirPathBase` (Observation, Quantity,
 * Observation.referenceRange): undefined when it holds, else a detail of the failure ('' when there is none
 * beyond the constraint's own text).
 */
export function checkInvariant(
  constraint: Constraint,
  node: unknown,
  fhirPathBase: string,
  scope: InvariantScope,
): string | undefined {
  let byBase = prepared.get(constraint);
  if (!byBase) prepared.set(constraint, (byBase = new Map()));
  let entry = byBase.get(fhirPathBase);
  if (!entry) {
    entry = prepare(constraint, fhirPathBase);
    byBase.set(fhirPathBase, entry);
  }
  if (entry.guard && canSkip(node, entry.guard)) return undefined;
  return entry.evaluate(node, scope);
}

const holds: Evaluator = () => undefined;

const regexes = new Map<string, RegExp>();

/**
 * Constraint regexes are written for Java (eld-19 escapes `'`, eld-20 has a lone `]`): invalid in the unicode
 * mode fhirpath.js compiles them in, so they threw. Compiled here in unicode mode when valid, else without it,
 * where JavaScript reads them as Java does. Like fhirpath.js, a match anywhere in the string counts.
 */
function constraintRegex(pattern: string, flags: string): RegExp {
  const key = `${flags}/${pattern}`;
  let regex = regexes.get(key);
  if (!regex) {
    try {
      regex = new RegExp(pattern, `su${flags}`);
    } catch {
      regex = new RegExp(pattern, `s${flags}`);
    }
    regexes.set(key, regex);
  }
  return regex;
}

const FUNCTIONS: UserInvocationTable = {
  matches: {
    fn: (input: unknown[], pattern: unknown, flags?: unknown) => {
      const text = input[0];
      const source = Array.isArray(pattern) ? pattern[0] : pattern;
      const flagText = (Array.isArray(flags) ? flags[0] : flags) ?? '';
      if (input.length !== 1 || typeof text !== 'string' || typeof source !== 'string') return [];
      if (typeof flagText !== 'string' || !/^[im]*$/.test(flagText)) throw new Error('matches() flags are i and m');
      return constraintRegex(source, flagText).test(text);
    },
    arity: { 1: ['String'], 2: ['String', 'String'] },
  },
};

function prepare(constraint: Constraint, fhirPathBase: string): Prepared {
  const { key } = constraint;
  const correction = CORRECTED_INVARIANTS[key];
  const expression = correction?.expression === constraint.expression ? correction.corrected : constraint.expression;
  if (SKIPPED_INVARIANTS[key]?.expression === expression) return { evaluate: holds };
  const native = NATIVE_CHECKS[key];
  if (native && native.expression === expression && (fastPaths || !FAST_PATH_ONLY.has(key))) {
    return { evaluate: native.check };
  }
  const presence = fastPaths ? compilePresence(expression, fhirPathBase) : undefined;
  if (presence) return { evaluate: (node) => (presence(node) ? undefined : '') };
  return prepareFhirPath(key, expression, fhirPathBase);
}

function prepareFhirPath(key: string, expression: string, fhirPathBase: string): Prepared {
  const label = `${key} (${expression})`;
  let compiled: ReturnType<typeof fhirpath.compile>;
  try {
    const options = { traceFn: () => undefined, userInvocationTable: FUNCTIONS };
    compiled = fhirpath.compile({ base: fhirPathBase, expression }, r4Model, options);
  } catch (err) {
    evaluationErrors.set(label, `does not compile: ${(err as Error).message.slice(0, 200)}`);
    return { evaluate: holds };
  }
  const evaluate: Evaluator = (node, scope) => {
    try {
      const result = compiled(node, { resource: scope.resource, rootResource: scope.rootResource }) as unknown[];
      return result.length === 1 && result[0] === false ? '' : undefined;
    } catch (err) {
      if (!evaluationErrors.has(label)) evaluationErrors.set(label, `fails: ${(err as Error).message.slice(0, 200)}`);
      return undefined;
    }
  };
  return { evaluate, guard: fastPaths ? vacuityGuard(expression) : undefined };
}
