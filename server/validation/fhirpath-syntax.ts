/**
 * Helpers over fhirpath.js syntax trees (https://hl7.org/fhirpath/N1/grammar.html), shared by the two
 * analyses that spare most fhirpath.js evaluations: presence.ts and vacuity.ts.
 */
import fhirpath from 'fhirpath';

export interface SyntaxNode {
  type: string;
  text?: string;
  children?: SyntaxNode[];
}

/** The syntax tree of an expression, or undefined when fhirpath.js cannot parse it. */
export function parseExpression(expression: string): SyntaxNode | undefined {
  try {
    return unwrap(fhirpath.parse(expression) as SyntaxNode);
  } catch {
    return undefined;
  }
}

/** Strips the wrappers that do not change meaning: whole-expression nodes, terms of one child, parentheses. */
export function unwrap(node: SyntaxNode): SyntaxNode {
  let current = node;
  for (;;) {
    const only = current.children?.length === 1 ? current.children[0] : undefined;
    if (!only) return current;
    if (
      current.type === 'EntireExpression' ||
      current.type === 'ParenthesizedTerm' ||
      (current.type === 'TermExpression' && only.type === 'ParenthesizedTerm')
    ) {
      current = only;
    } else {
      return current;
    }
  }
}

/** The two operands of a binary expression, or the target and the step of an invocation. */
export function operands(node: SyntaxNode): [SyntaxNode | undefined, SyntaxNode | undefined] {
  const [a, b] = node.children ?? [];
  return [a && unwrap(a), b && unwrap(b)];
}

/** The name of a function call without arguments (`exists()`), else undefined. */
export function bareFunctionName(step: SyntaxNode | undefined): string | undefined {
  if (step?.type !== 'FunctionInvocation') return undefined;
  const functn = step.children?.[0];
  return functn?.children?.some((c) => c.type === 'ParamList') ? undefined : step.text;
}

/** The name of a function call with or without arguments, else undefined. */
export function functionName(step: SyntaxNode | undefined): string | undefined {
  return step?.type === 'FunctionInvocation' ? step.text : undefined;
}

/**
 * The child names of a plain member path (`contained.meta.versionId`), else undefined. Capitalised first names
 * are type names (`Appointment.status`), which this does not handle.
 */
export function memberPath(node: SyntaxNode | undefined): string[] | undefined {
  if (!node) return undefined;
  if (node.type === 'TermExpression') {
    const term = node.children?.[0];
    const member = term?.type === 'InvocationTerm' ? term.children?.[0] : undefined;
    if (member?.type !== 'MemberInvocation') return undefined;
    const name = (member.text ?? '').replace(/`/g, '');
    return /^[a-z][A-Za-z0-9]*$/.test(name) ? [name] : undefined;
  }
  if (node.type !== 'InvocationExpression') return undefined;
  const [head, step] = operands(node);
  if (step?.type !== 'MemberInvocation') return undefined;
  const path = memberPath(head);
  return path && [...path, (step.text ?? '').replace(/`/g, '')];
}
