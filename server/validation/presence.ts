/**
 * Constraints that only ask which elements are present (`code.empty() or system.exists()`,
 * `extension.exists() != value.exists()`, `contained.meta.security.empty()`) are compiled to a function over the
 * JSON: `exists()` and `empty()` always give a boolean, so the three-valued logic of FHIRPath reduces to plain
 * booleans and the result is exact. Choice elements are resolved with the fhirpath.js R4 model, so `value`
 * matches valueQuantity but `valueSet` is not mistaken for a type of `value`. Anything else is left to fhirpath.js.
 */
import r4Model from 'fhirpath/fhir-context/r4';
import { bareFunctionName, memberPath, operands, parseExpression, type SyntaxNode } from './fhirpath-syntax.ts';

type Test = (node: unknown) => boolean;

/** The expression as a presence test on a node of FHIRPath type `base`, or undefined when it is not one. */
export function compilePresence(expression: string, base: string): Test | undefined {
  const tree = parseExpression(expression);
  return tree && compile(tree, base);
}

function compile(node: SyntaxNode, base: string): Test | undefined {
  const [a, b] = operands(node);
  switch (node.type) {
    case 'OrExpression':
    case 'AndExpression':
    case 'ImpliesExpression':
    case 'EqualityExpression': {
      const left = a && compile(a, base);
      const right = b && compile(b, base);
      if (!left || !right) return undefined;
      switch (node.text) {
        case 'or':
          return (n) => left(n) || right(n);
        case 'xor':
        case '!=':
          return (n) => left(n) !== right(n);
        case 'and':
          return (n) => left(n) && right(n);
        case 'implies':
          return (n) => !left(n) || right(n);
        case '=':
          return (n) => left(n) === right(n);
        default:
          return undefined;
      }
    }
    case 'InvocationExpression': {
      const fn = bareFunctionName(b);
      if (fn === 'not') {
        const inner = a && compile(a, base);
        return inner && ((n) => !inner(n));
      }
      if (fn !== 'exists' && fn !== 'empty') return undefined;
      const path = memberPath(a);
      const keys = path && resolveKeys(path, base);
      if (!keys) return undefined;
      return fn === 'exists' ? (n) => pathExists(n, keys, 0) : (n) => !pathExists(n, keys, 0);
    }
    case 'TermExpression': {
      const literal = node.children?.[0]?.children?.[0];
      if (literal?.type !== 'BooleanLiteral') return undefined;
      const value = literal.text === 'true';
      return () => value;
    }
    default:
      return undefined;
  }
}

/** For each step of the path, the JSON keys that hold it (a choice element: one per type; `_name` too). */
function resolveKeys(path: string[], base: string): string[][] | undefined {
  const keys: string[][] = [];
  let type = base;
  for (let i = 0; i < path.length; i++) {
    const name = path[i];
    if (type === '') return undefined;
    const elementPath = `${type}.${name}`;
    const choiceTypes = r4Model.choiceTypePaths[elementPath];
    const names = choiceTypes ? choiceTypes.map((t) => name + t) : [name];
    keys.push(names.flatMap((n) => [n, `_${n}`]));
    // Beyond a choice element the type depends on the instance: such paths are left to fhirpath.js.
    if (choiceTypes) type = '';
    else {
      const next = r4Model.path2Type[elementPath];
      type = next === undefined || next === 'BackboneElement' || next === 'Element' ? elementPath : next;
    }
  }
  return keys;
}

function pathExists(value: unknown, keys: string[][], step: number): boolean {
  if (Array.isArray(value)) return value.some((item) => pathExists(item, keys, step));
  if (typeof value !== 'object' || value === null) return false;
  for (const key of keys[step]) {
    const child = (value as Record<string, unknown>)[key];
    if (child === undefined || child === null) continue;
    if (step === keys.length - 1) {
      if (!Array.isArray(child) || child.some((c) => c !== null)) return true;
    } else if (pathExists(child, keys, step + 1)) {
      return true;
    }
  }
  return false;
}
