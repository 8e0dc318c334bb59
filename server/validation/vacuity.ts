/**
 * Most constraints hold trivially on most instances: `start.hasValue().not() or end.hasValue().not() or
 * (start <= end)` whenever `start` is absent. From a constraint's syntax tree this finds sets of child names
 * such that, when every name of one set is absent, the expression is true or empty (a pass), so fhirpath.js
 * (~10 µs a call) runs only when it could fail. The analysis is conservative: what it does not understand
 * gives no guard. A test checks on the HL7 examples that guarded and unguarded evaluation agree.
 */
import { functionName, memberPath, operands, parseExpression, type SyntaxNode } from './fhirpath-syntax.ts';

/** Alternatives: the expression passes when all names of any one set are absent. */
type Guard = string[][];

const MAX_ALTERNATIVES = 4;

/** Functions that give an empty result on an empty input collection. */
const EMPTY_PRESERVING = new Set([
  'where', 'select', 'ofType', 'as', 'first', 'last', 'tail', 'skip', 'take', 'distinct', 'resolve', 'children',
  'descendants', 'trace', 'extension', 'substring', 'lower', 'upper', 'toString', 'length', 'intersect', 'repeat',
  'not', 'startsWith', 'endsWith', 'matches', 'toInteger', 'toDecimal',
]);
/** Functions true on an empty input collection. */
const TRUE_ON_EMPTY = new Set(['empty', 'all', 'isDistinct', 'allTrue', 'allFalse']);
const COMPARISONS = new Set(['=', '!=', '<', '>', '<=', '>=']);

/** The guard of an expression, or undefined when none is found. */
export function vacuityGuard(expression: string): Guard | undefined {
  const tree = parseExpression(expression);
  const guard = tree && passesWhenAbsent(tree);
  return guard && guard.length > 0 && guard.every((names) => names.length > 0) ? guard : undefined;
}

/** True when, for some set of the guard, none of its names is a key of `node` (nor `_name`, nor valueQuantity
 * for `value`). A primitive value has no children at all. */
export function canSkip(node: unknown, guard: Guard): boolean {
  if (typeof node !== 'object' || node === null) return true;
  const keys = Object.keys(node);
  return guard.some((names) => names.every((name) => !keys.some((key) => keyHolds(key, name))));
}

function keyHolds(key: string, name: string): boolean {
  const bare = key.charCodeAt(0) === 95 ? key.slice(1) : key;
  if (bare === name) return true;
  if (bare.length <= name.length || !bare.startsWith(name)) return false;
  const next = bare.charCodeAt(name.length);
  return next >= 65 && next <= 90;
}

/** Names whose absence makes the expression true or empty. */
function passesWhenAbsent(node: SyntaxNode): Guard | undefined {
  const [a, b] = operands(node);
  switch (node.type) {
    case 'OrExpression':
      return node.text === 'or' ? either(a && passesWhenAbsent(a), b && passesWhenAbsent(b)) : undefined;
    case 'AndExpression':
      return both(a && passesWhenAbsent(a), b && passesWhenAbsent(b));
    case 'ImpliesExpression':
      return either(a && falseOrEmptyWhenAbsent(a), b && passesWhenAbsent(b));
    case 'InvocationExpression': {
      const fn = functionName(b);
      if (fn && TRUE_ON_EMPTY.has(fn)) return emptyWhenAbsent(a);
      if (fn === 'not' && a?.type === 'InvocationExpression') {
        const [target, inner] = operands(a);
        const innerFn = functionName(inner);
        if (innerFn === 'exists' || innerFn === 'hasValue') return emptyWhenAbsent(target);
      }
      return emptyWhenAbsent(node);
    }
    default:
      return either(emptyOperand(node), emptyWhenAbsent(node));
  }
}

/** Names whose absence makes the expression false or empty. */
function falseOrEmptyWhenAbsent(node: SyntaxNode): Guard | undefined {
  const [a, b] = operands(node);
  switch (node.type) {
    case 'AndExpression':
      return either(a && falseOrEmptyWhenAbsent(a), b && falseOrEmptyWhenAbsent(b));
    case 'OrExpression':
      return node.text === 'or' ? both(a && falseOrEmptyWhenAbsent(a), b && falseOrEmptyWhenAbsent(b)) : undefined;
    case 'InvocationExpression': {
      const fn = functionName(b);
      return fn === 'exists' || fn === 'hasValue' ? emptyWhenAbsent(a) : emptyWhenAbsent(node);
    }
    default:
      return either(emptyOperand(node), emptyWhenAbsent(node));
  }
}

/** A comparison with an empty operand is empty. */
function emptyOperand(node: SyntaxNode): Guard | undefined {
  if (node.type !== 'EqualityExpression' && node.type !== 'InequalityExpression') return undefined;
  if (!COMPARISONS.has(node.text ?? '')) return undefined;
  const [a, b] = operands(node);
  return either(emptyWhenAbsent(a), emptyWhenAbsent(b));
}

/** A path from a child through empty-preserving steps is empty when that child is absent. */
function emptyWhenAbsent(node: SyntaxNode | undefined): Guard | undefined {
  if (!node) return undefined;
  const path = memberPath(node);
  if (path) return [[path[0]]];
  if (node.type !== 'InvocationExpression') return undefined;
  const [head, step] = operands(node);
  const fn = functionName(step);
  return fn && EMPTY_PRESERVING.has(fn) ? emptyWhenAbsent(head) : undefined;
}

function either(a: Guard | undefined, b: Guard | undefined): Guard | undefined {
  if (!a) return b;
  if (!b) return a;
  return distinct([...a, ...b]);
}

function both(a: Guard | undefined, b: Guard | undefined): Guard | undefined {
  if (!a || !b) return undefined;
  const combined: Guard = [];
  for (const x of a) for (const y of b) combined.push([...new Set([...x, ...y])]);
  return distinct(combined);
}

/** Fewer alternatives only skip less often: dropping some is always safe. */
function distinct(guard: Guard): Guard {
  const seen = new Set<string>();
  return guard.filter((names) => !seen.has(names.join()) && seen.add(names.join())).slice(0, MAX_ALTERNATIVES);
}
