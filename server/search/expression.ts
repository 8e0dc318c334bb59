/**
 * Compiles a SearchParameter's FHIRPath expression once into a function over a resource's JSON.
 * The simple shapes that make up nearly all R4 expressions (paths, `as`/`ofType`, `where(resolve() is T)`,
 * `where(x='v')`, `[n]`) run as direct property walks; anything else goes through the `fhirpath` engine with
 * the R4 model. `resolve()` never fetches: a reference's target type is read from its reference string.
 * https://hl7.org/fhir/R4/searchparameter.html#expression
 */
import { createRequire } from 'node:module';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { splitUnion } from './registry.ts';
import { parseReference } from './index-keys.ts';

const require = createRequire(import.meta.url);
const choiceTypePaths = require('fhirpath/fhir-context/r4/choiceTypePaths.json') as Record<string, string[]>;

type Json = Record<string, unknown>;

export interface CompiledExpression {
  evaluate(resource: Json): unknown[];
  /** Top-level element names the expression reads; a resource with none of them cannot match. */
  rootNames: string[] | undefined;
}

type Step =
  | { kind: 'prop'; names: string[] }
  | { kind: 'resolveIs'; type: string }
  | { kind: 'whereEquals'; field: string; value: string }
  | { kind: 'index'; index: number };

/** Compiles an expression (already restricted to `resourceType`) for evaluation on that type's resources. */
export function compileExpression(expression: string, resourceType: string): CompiledExpression {
  const parts = splitUnion(expression).map((p) => compilePart(p, resourceType));
  const rootNames = parts.every((p) => p.rootNames) ? parts.flatMap((p) => p.rootNames ?? []) : undefined;
  if (parts.length === 1) return parts[0];
  const evaluate = (r: Json): unknown[] => {
    const values: unknown[] = [];
    for (const part of parts) for (const value of part.evaluate(r)) values.push(value);
    return values;
  };
  return { evaluate, rootNames };
}

/** Evaluates a relative expression (a composite component) on one element. */
export function compileRelativeExpression(expression: string, contextPath: string): (item: unknown) => unknown[] {
  const parts = splitUnion(expression).map((part) => parseSteps(part, undefined, contextPath));
  if (parts.every((steps) => steps !== undefined)) {
    if (parts.length === 1) return (item) => walk([item], parts[0]);
    return (item) => parts.flatMap((steps) => walk([item], steps));
  }
  const fn = fhirpath.compile(rewriteResolve(expression), r4model);
  return (item) => fn(item as Json) as unknown[];
}

function compilePart(part: string, resourceType: string): CompiledExpression {
  const steps = parseSteps(part, resourceType);
  if (steps) {
    const first = steps[0];
    return { evaluate: (r) => walk([r], steps), rootNames: first?.kind === 'prop' ? first.names : undefined };
  }
  const fn = fhirpath.compile(rewriteResolve(part), r4model);
  const root = new RegExp(`^\\(*\\s*${resourceType}\\.([a-zA-Z]+)`).exec(part)?.[1];
  const rootNames = root ? expandChoice(`${resourceType}.${root}`, root) : undefined;
  return { evaluate: (r) => fn(r) as unknown[], rootNames };
}

// The engine's resolve() would try to fetch; a type test on the reference string answers `is T` without it.
function rewriteResolve(expression: string): string {
  return expression.replace(
    /resolve\(\) is ([A-Za-z]+)/g,
    (_m, type: string) => `reference.matches('(^|/)${type}/[A-Za-z0-9.-]+(/_history/.*)?$')`,
  );
}

/** The steps of a simple path, or undefined when the expression needs the full engine. */
function parseSteps(part: string, resourceType: string | undefined, contextPath = ''): Step[] | undefined {
  // "(A.b as T).c" is the same as "A.b.as(T).c"
  const text = part.trim().replace(/^\((.+) as ([A-Za-z]+)\)(.*)$/, '$1.as($2)$3');
  const segments = splitSegments(text);
  if (!segments) return undefined;
  if (resourceType !== undefined) {
    if (segments.shift() !== resourceType) return undefined;
  }
  const steps: Step[] = [];
  let path = resourceType ?? contextPath;
  for (const seg of segments) {
    let m: RegExpExecArray | null;
    if ((m = /^([a-zA-Z]+)(?:\[(\d+)\])?$/.exec(seg))) {
      path = `${path}.${m[1]}`;
      steps.push({ kind: 'prop', names: expandChoice(path, m[1]) });
      if (m[2] !== undefined) steps.push({ kind: 'index', index: Number(m[2]) });
    } else if ((m = /^(?:as|ofType)\(([A-Za-z]+)\)$/.exec(seg))) {
      const last = steps[steps.length - 1];
      if (last?.kind !== 'prop') return undefined;
      const name = path.slice(path.lastIndexOf('.') + 1);
      const typed = name + m[1][0].toUpperCase() + m[1].slice(1);
      // Outside the model's known choice paths, keep both spellings: the element may or may not be a choice.
      last.names = choiceTypePaths[path] ? [typed] : [typed, name];
    } else if ((m = /^where\(resolve\(\) is ([A-Za-z]+)\)$/.exec(seg))) {
      steps.push({ kind: 'resolveIs', type: m[1] });
    } else if ((m = /^where\(([a-zA-Z]+)\s*=\s*'([^'\\]*)'\)$/.exec(seg))) {
      steps.push({ kind: 'whereEquals', field: m[1], value: m[2] });
    } else return undefined;
  }
  return steps;
}

/** Splits on top-level dots; undefined if the text has operators or spaces outside parentheses. */
function splitSegments(text: string): string[] | undefined {
  const segments: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && c === '.') {
      segments.push(text.slice(start, i));
      start = i + 1;
    } else if (depth === 0 && !/[A-Za-z0-9[\]]/.test(c)) return undefined;
  }
  segments.push(text.slice(start));
  return segments;
}

/** A choice element `value[x]` is stored as valueQuantity, valueString, ...: list every JSON name. */
function expandChoice(path: string, name: string): string[] {
  const types = choiceTypePaths[path];
  return types ? types.map((t) => name + t[0].toUpperCase() + t.slice(1)) : [name];
}

function walk(start: unknown[], steps: Step[]): unknown[] {
  let items = start;
  for (const step of steps) {
    if (step.kind === 'index') {
      items = items.slice(step.index, step.index + 1);
      continue;
    }
    const next: unknown[] = [];
    for (const item of items) applyStep(step, item, next);
    items = next;
    if (items.length === 0) break;
  }
  return items;
}

function applyStep(step: Exclude<Step, { kind: 'index' }>, item: unknown, out: unknown[]): void {
  switch (step.kind) {
    case 'prop': {
      if (typeof item !== 'object' || item === null) return;
      for (const name of step.names) {
        const value = (item as Json)[name];
        if (Array.isArray(value)) for (const v of value) out.push(v);
        else if (value !== undefined && value !== null) out.push(value);
      }
      return;
    }
    case 'resolveIs': {
      const ref = (item as Json | undefined)?.reference;
      if (typeof ref === 'string' && parseReference(ref)?.type === step.type) out.push(item);
      return;
    }
    case 'whereEquals':
      if ((item as Json | undefined)?.[step.field] === step.value) out.push(item);
      return;
  }
}
