/**
 * The StructureDefinition rules that JSON schema cannot express, checked in one walk over a resource with the
 * precomputed rule tables of type-rules.ts: cardinality (https://hl7.org/fhir/R4/conformance-rules.html#cardinality),
 * one type per choice element, fixed and pattern values, the resource types a Reference may name,
 * primitive/extension array alignment (https://hl7.org/fhir/R4/json.html#primitive), ele-1 on every element,
 * and the constraints of each element. Extensions with a known definition are checked against it; one with
 * no known definition must come from an allowed domain (options.ts). The options that look at text
 * (text-checks.ts) see every primitive value.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcomes.ts';
import type { Constraint } from './definitions.ts';
import { checkInvariant, type InvariantScope } from './invariants.ts';
import { unknownExtensionAllowed, type ValidationPolicy } from './options.ts';
import { rulesForCoreType, rulesForExtension } from './registry.ts';
import { checkStructure, isResourceType } from './structure.ts';
import { TYPE_RULES } from './spec-rules.ts';
import { checkPrimitiveText } from './text-checks.ts';
import { matchesPattern, sameValue } from './values.ts';
import type { ElementRule, ElementType, TypeRules } from './type-rules.ts';

type Json = Record<string, unknown>;

export interface WalkContext {
  issues: OperationOutcomeIssue[];
  scope: InvariantScope;
  /** False when the structure check failed: constraints then say nothing reliable. */
  checkConstraints: boolean;
  policy: ValidationPolicy;
}

/**
 * Checks one resource: its structure against the JSON schema, then `rules`, with each resource nested in it
 * (contained, Bundle.entry.resource) checked the same way against its own type. `container` is the resource
 * that contains this one, if it is contained.
 */
export function checkResource(
  resource: Json,
  rules: TypeRules,
  expression: string,
  container: Json | undefined,
  issues: OperationOutcomeIssue[],
  policy: ValidationPolicy,
): void {
  const structure = checkStructure(resource, expression);
  for (const found of structure) issues.push(found);
  const ctx: WalkContext = {
    issues,
    scope: { resource, rootResource: container ?? resource },
    checkConstraints: structure.length === 0,
    policy,
  };
  // Left unvalidated, contained resources need not be referenced either (dom-3), as in the HL7 validator's
  // validateContains=IGNORE; dom-2, dom-4 and dom-5 still say what may be contained.
  const constraints = policy.validateContained ? rules.constraints : rules.constraints.filter((c) => c.key !== 'dom-3');
  walkObject(resource, rules, expression, ctx, constraints, rules.fhirPathBase, false);
}

function checkNestedResource(resource: Json, expression: string, container: Json | undefined, ctx: WalkContext): void {
  const type = resource.resourceType;
  const rules = typeof type === 'string' && isResourceType(type) ? rulesForCoreType(type) : undefined;
  if (!rules) {
    report(ctx, 'structure', `Unknown resource type: ${String(type)}`, `${expression}.resourceType`);
    return;
  }
  checkResource(resource, rules, expression, container, ctx.issues, ctx.policy);
}

function walkObject(
  node: Json,
  rules: TypeRules,
  expression: string,
  ctx: WalkContext,
  constraints: Constraint[],
  fhirPathBase: string,
  isElement: boolean,
): void {
  let content = false;
  let choices: Map<ElementRule, string> | undefined;
  for (const key of Object.keys(node)) {
    if (key === 'id' || key === 'resourceType') continue;
    content = true;
    const entry = rules.byKey.get(key);
    if (!entry) {
      if (rules.constrained) {
        const choice = choiceOf(rules, key);
        if (choice) (choices ??= new Map()).set(choice, key);
        if (!key.startsWith('_')) {
          const what = choice ? `The type of '${key}' is not one that ${choice.name} allows` : `Element '${key}' is not allowed`;
          report(ctx, 'structure', `${what} in profile ${rules.profile}`, `${expression}.${key}`);
        }
      }
      continue;
    }
    const { rule, type } = entry;
    const stem = entry.primitiveExtension ? key.slice(1) : key;
    if (rule.choice) {
      choices ??= new Map();
      const other = choices.get(rule);
      if (other === undefined) choices.set(rule, stem);
      else if (other !== stem) {
        report(ctx, 'structure', `Only one type is allowed for ${rule.name}: found ${other} and ${stem}`, `${expression}.${stem}`);
      }
    }
    // Most elements are single primitives with nothing more to check (the schema has checked the value).
    if (rule.plain && type.kind === 'primitive' && !entry.primitiveExtension && !ctx.policy.checksText) continue;
    const childExpression = `${expression}.${stem}`;
    if (entry.primitiveExtension) {
      walkPrimitiveExtensions(node, stem, rule, childExpression, ctx);
      continue;
    }
    const value = node[key];
    if (rule.array) {
      if (!Array.isArray(value)) continue;
      checkCount(rule, value.length, childExpression, ctx);
      for (let i = 0; i < value.length; i++) {
        if (value[i] !== null) walkValue(value[i], rule, type, `${childExpression}[${i}]`, ctx);
        else if (!Array.isArray(node[`_${key}`])) {
          report(ctx, 'structure', `Entry ${i} of '${key}' has neither a value nor extensions`, `${childExpression}[${i}]`);
        }
      }
    } else {
      checkCount(rule, 1, childExpression, ctx);
      walkValue(value, rule, type, childExpression, ctx);
    }
  }
  if (!content && isElement) {
    report(ctx, 'invariant', "Constraint failed: ele-1: 'All FHIR elements must have a @value or children'", expression);
  }
  for (const rule of rules.required) {
    if (!isPresent(node, rule) && !choices?.has(rule)) {
      const at = `${expression}.${rule.choice ? rule.name.slice(0, -3) : rule.name}`;
      report(ctx, 'required', `Missing required element '${rule.name}' (minimum ${rule.min})`, at);
    }
  }
  if (ctx.checkConstraints) {
    for (const constraint of constraints) checkConstraint(constraint, node, fhirPathBase, expression, ctx);
    TYPE_RULES[fhirPathBase]?.(node, expression, (code, text, at) => report(ctx, code, text, at));
  }
}

function walkValue(value: unknown, rule: ElementRule, type: ElementType, expression: string, ctx: WalkContext): void {
  if (rule.fixed !== undefined && !sameValue(value, rule.fixed)) {
    report(ctx, 'value', `Value must be exactly ${JSON.stringify(rule.fixed)}`, expression);
  }
  if (rule.pattern !== undefined && !matchesPattern(value, rule.pattern)) {
    report(ctx, 'value', `Value must match the pattern ${JSON.stringify(rule.pattern)}`, expression);
  }
  if (type.kind === 'primitive') {
    if (ctx.checkConstraints) {
      for (const constraint of rule.constraints) checkConstraint(constraint, value, type.code, expression, ctx);
    }
    if (ctx.policy.checksText) {
      checkPrimitiveText(value, type.code, expression, ctx.policy, (text, at) => report(ctx, 'value', text, at));
    }
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  if (type.kind === 'resource') {
    const contained = rule.path.endsWith('.contained');
    if (!contained || ctx.policy.validateContained) {
      checkNestedResource(value as Json, expression, contained ? ctx.scope.rootResource : undefined, ctx);
    }
    return;
  }
  if (type.targetTypes) checkReferenceTarget(value as Json, type.targetTypes, expression, ctx);
  const url = type.code === 'Extension' ? (value as Json).url : undefined;
  const extension = typeof url === 'string' ? rulesForExtension(url) : undefined;
  if (typeof url === 'string' && !extension && !unknownExtensionAllowed(url, ctx.policy)) {
    const text = `The extension ${url} has no definition known here and is not from an allowed domain`;
    report(ctx, 'structure', text, expression);
  }
  const rules = extension ?? type.rules;
  if (!rules) return;
  const base = type.kind === 'backbone' ? rule.path.replace('[x]', '') : rules.fhirPathBase;
  walkObject(value as Json, rules, expression, ctx, constraintsOf(rule, type, rules), base, true);
}

const mergedConstraints = new WeakMap<ElementRule, Map<TypeRules, Constraint[]>>();

/** The element's own constraints and those of its type, once each (both list ext-1 for extensions). */
function constraintsOf(rule: ElementRule, type: ElementType, rules: TypeRules): Constraint[] {
  if (type.kind === 'backbone' || rules.constraints.length === 0) return rule.constraints;
  if (rule.constraints.length === 0) return rules.constraints;
  let byRules = mergedConstraints.get(rule);
  if (!byRules) mergedConstraints.set(rule, (byRules = new Map()));
  let merged = byRules.get(rules);
  if (!merged) {
    merged = [...rules.constraints];
    for (const c of rule.constraints) if (!merged.some((m) => m.key === c.key)) merged.push(c);
    byRules.set(rules, merged);
  }
  return merged;
}

/** A literal reference (`Patient/1`, `http://x/fhir/Patient/1/_history/2`), for the type it names. */
const LITERAL_REFERENCE = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** A reference names a resource type its element allows (Observation.subject: Patient, Group, Device, Location). */
function checkReferenceTarget(reference: Json, targets: Set<string>, expression: string, ctx: WalkContext): void {
  if (typeof reference.reference !== 'string') return;
  const type = LITERAL_REFERENCE.exec(reference.reference)?.[1];
  if (type && isResourceType(type) && !targets.has(type)) {
    const allowed = [...targets].join(', ');
    report(ctx, 'structure', `A reference to a ${type} is not allowed here (allowed: ${allowed})`, `${expression}.reference`);
  }
}

/** `_name`: the id and extensions of a primitive, aligned with `name` when it repeats. */
function walkPrimitiveExtensions(
  node: Json,
  stem: string,
  rule: ElementRule,
  expression: string,
  ctx: WalkContext,
): void {
  const extensions = node[`_${stem}`];
  const values = node[stem];
  if (!rule.array) {
    if (values === undefined) checkCount(rule, 1, expression, ctx);
    if (isObject(extensions)) walkElement(extensions, values !== undefined, expression, ctx);
    return;
  }
  if (!Array.isArray(extensions)) return;
  if (values === undefined) checkCount(rule, extensions.length, expression, ctx);
  else if (!Array.isArray(values)) return;
  const length = Math.max(extensions.length, Array.isArray(values) ? values.length : 0);
  for (let i = 0; i < length; i++) {
    const hasValue = Array.isArray(values) && values[i] !== null && values[i] !== undefined;
    const extension = extensions[i];
    if (isObject(extension)) walkElement(extension, hasValue, `${expression}[${i}]`, ctx);
    else if (!hasValue && i < (Array.isArray(values) ? values.length : extensions.length)) {
      // A null in one array needs an entry in the other; trailing nulls in `_name` alone are tolerated, as the
      // HL7 validator does.
      report(ctx, 'structure', `Entry ${i} of '${stem}' has neither a value nor extensions`, `${expression}[${i}]`);
    }
  }
}

let elementRules: TypeRules | undefined;

/** The Element part of a primitive: extensions, and content unless the primitive has a value. */
function walkElement(element: Json, hasValue: boolean, expression: string, ctx: WalkContext): void {
  if (!hasValue && !Object.keys(element).some((k) => k !== 'id')) {
    report(ctx, 'invariant', "Constraint failed: ele-1: 'All FHIR elements must have a @value or children'", expression);
  }
  elementRules ??= rulesForCoreType('Element');
  if (elementRules) walkObject(element, elementRules, expression, ctx, [], 'Element', false);
}

/** The choice element whose JSON key `key` names a type it does not allow (valueString for value[x]). */
function choiceOf(rules: TypeRules, key: string): ElementRule | undefined {
  const bare = key.startsWith('_') ? key.slice(1) : key;
  for (const [stem, rule] of rules.choices) {
    if (bare.length > stem.length && bare.startsWith(stem) && /[A-Z]/.test(bare[stem.length])) return rule;
  }
  return undefined;
}

function checkCount(rule: ElementRule, count: number, expression: string, ctx: WalkContext): void {
  if (count > rule.max) {
    const what = rule.max === 0 ? 'is not allowed' : `allows at most ${rule.max}, found ${count}`;
    report(ctx, 'structure', `Element '${rule.name}' ${what}`, expression);
  } else if (count < rule.min) {
    report(ctx, 'required', `Element '${rule.name}' needs at least ${rule.min}, found ${count}`, expression);
  }
}

function isPresent(node: Json, rule: ElementRule): boolean {
  for (const type of rule.types) {
    if (node[type.jsonKey] !== undefined || node[`_${type.jsonKey}`] !== undefined) return true;
  }
  return false;
}

function checkConstraint(
  constraint: Constraint,
  node: unknown,
  fhirPathBase: string,
  expression: string,
  ctx: WalkContext,
): void {
  const failure = checkInvariant(constraint, node, fhirPathBase, ctx.scope);
  if (failure === undefined) return;
  const severity = constraint.severity === 'error' && !constraint.bestPractice ? 'error' : 'warning';
  const detail = failure ? ` (${failure})` : '';
  const text = `Constraint failed: ${constraint.key}: '${constraint.human}'${detail}`;
  ctx.issues.push(issue(severity, 'invariant', text, expression));
}

function report(ctx: WalkContext, code: 'structure' | 'required' | 'value' | 'invariant', text: string, at: string): void {
  ctx.issues.push(issue('error', code, text, at));
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
