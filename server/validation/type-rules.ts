/**
 * Rule tables built once per type (or profile) from a StructureDefinition's elements: for each JSON key of an
 * object, which element it is, its cardinality, its type, and the constraints to check on each instance.
 * The walker (rules.ts) reads these and never looks at a StructureDefinition itself.
 */
import type { Constraint, SlimElement, SlimStructureDefinition } from './definitions.ts';

export type TypeKind = 'primitive' | 'complex' | 'backbone' | 'resource';

export interface ElementType {
  code: string;
  kind: TypeKind;
  /** The JSON key: `valueQuantity` for the Quantity type of `value[x]`. */
  jsonKey: string;
  /** A profile on the type (SimpleQuantity), or a datatype as constrained by the enclosing profile. */
  profile?: string;
  /** Rules of a complex type or backbone element, resolved on first use. */
  rules?: TypeRules;
  /** For a Reference: the resource types it may point to. */
  targetTypes?: Set<string>;
}

export interface ElementRule {
  name: string;
  path: string;
  min: number;
  max: number;
  /** Repeating in the base definition, so an array in JSON (a profile's max 1 does not change that). */
  array: boolean;
  choice: boolean;
  types: ElementType[];
  /** Constraints on this element other than ele-1, which rules.ts checks on every element. */
  constraints: Constraint[];
  fixed?: unknown;
  pattern?: unknown;
  /** Single, allowed, without fixed or pattern value or constraints: a primitive value needs no more checks. */
  plain: boolean;
}

export interface KeyEntry {
  rule: ElementRule;
  type: ElementType;
  /** `_name`: the id and extensions of a primitive. */
  primitiveExtension: boolean;
}

export interface TypeRules {
  /** The type (Observation, Quantity) or the backbone path (Observation.referenceRange). */
  name: string;
  /** The FHIRPath type of instances, for typed evaluation of constraints. */
  fhirPathBase: string;
  byKey: Map<string, KeyEntry>;
  /** Choice elements by the stem of their JSON keys (`value` for value[x]). */
  choices: Map<string, ElementRule>;
  required: ElementRule[];
  /** Constraints on every instance of the type (the root element's), other than ele-1. */
  constraints: Constraint[];
  /** From a constraining profile: keys not listed (a type narrowed away) are errors here, not only in ajv. */
  constrained: boolean;
  /** The profile this came from, when it is one; named in issues. */
  profile?: string;
}

/** Finds the rules of a datatype, by type code and optional profile URL. */
export type TypeResolver = (code: string, profile?: string) => TypeRules | undefined;

const BACKBONE_CODES = new Set(['BackboneElement', 'Element']);

/**
 * Builds the rules of a type from a StructureDefinition with a snapshot. Sliced elements (ids with `:`) are left
 * out: slicing is not evaluated. Children listed under an element of a complex datatype (a profile constraining
 * Patient.identifier.system) override that datatype's own rules for that element only.
 */
export function buildTypeRules(
  sd: SlimStructureDefinition,
  elements: SlimElement[],
  isPrimitive: (code: string) => boolean,
  resolveType: TypeResolver,
): TypeRules {
  const unsliced = elements.filter((e) => !e.id.includes(':') && !e.sliceName);
  const children = new Map<string, SlimElement[]>();
  for (const element of unsliced.slice(1)) {
    const parent = element.path.slice(0, element.path.lastIndexOf('.'));
    let list = children.get(parent);
    if (!list) children.set(parent, (list = []));
    list.push(element);
  }
  const constrained = sd.derivation === 'constraint';
  const built = new Map<string, TypeRules>();

  const build = (path: string, root?: SlimElement, overlay?: TypeRules): TypeRules => {
    const existing = built.get(path);
    if (existing) return existing;
    const rules: TypeRules = overlay
      ? { ...overlay, name: path, byKey: new Map(overlay.byKey), choices: new Map(overlay.choices), required: [], constrained }
      : { name: path, fhirPathBase: path, byKey: new Map(), choices: new Map(), required: [], constraints: [], constrained };
    if (constrained) rules.profile = sd.url;
    if (root) {
      rules.fhirPathBase = sd.type;
      rules.constraints = withoutEle1(root.constraints);
    }
    built.set(path, rules);
    for (const element of children.get(path) ?? []) {
      const rule = toRule(element);
      if (overlay) for (const [key, entry] of overlay.byKey) if (entry.rule.name === rule.name) rules.byKey.delete(key);
      if (rule.choice) rules.choices.set(rule.name.slice(0, -3), rule);
      for (const type of rule.types) {
        rules.byKey.set(type.jsonKey, { rule, type, primitiveExtension: false });
        if (type.kind === 'primitive') rules.byKey.set(`_${type.jsonKey}`, { rule, type, primitiveExtension: true });
      }
    }
    const seen = new Set<ElementRule>();
    for (const { rule } of rules.byKey.values()) {
      if (rule.min > 0 && !seen.has(rule)) rules.required.push(rule);
      seen.add(rule);
    }
    return rules;
  };

  const toRule = (element: SlimElement): ElementRule => {
    const name = element.path.slice(element.path.lastIndexOf('.') + 1);
    const choice = name.endsWith('[x]');
    const rule: ElementRule = {
      name,
      path: element.path,
      min: Math.max(element.min, 0),
      max: element.max === '*' || element.max === '' ? Infinity : Number(element.max),
      array: element.baseMax !== '1' && element.baseMax !== '0',
      choice,
      types: [],
      constraints: withoutEle1(element.constraints),
      plain: false,
    };
    if (element.fixed !== undefined) rule.fixed = element.fixed;
    if (element.pattern !== undefined) rule.pattern = element.pattern;
    rule.plain =
      !rule.array && rule.max >= 1 && rule.fixed === undefined && rule.pattern === undefined && rule.constraints.length === 0;
    const hasChildren = children.has(element.path);
    const typeRefs = element.contentReference ? [{ code: 'BackboneElement' }] : element.types;
    for (const ref of typeRefs) {
      const jsonKey = choice ? name.slice(0, -3) + ref.code[0].toUpperCase() + ref.code.slice(1) : name;
      const type: ElementType = { code: ref.code, kind: kindOf(ref.code, isPrimitive), jsonKey };
      if (ref.profile) type.profile = ref.profile;
      if ('targetTypes' in ref && ref.targetTypes) type.targetTypes = new Set(ref.targetTypes);
      if (element.contentReference) {
        const target = element.contentReference.slice(element.contentReference.indexOf('#') + 1);
        Object.defineProperty(type, 'rules', { get: () => build(target), enumerable: true });
      } else if (type.kind === 'backbone') {
        type.rules = build(element.path);
      } else if (type.kind === 'complex') {
        const overlay = hasChildren && typeRefs.length === 1;
        let cached: TypeRules | undefined;
        const resolve = () => {
          const base = resolveType(ref.code, ref.profile);
          return base && overlay ? build(element.path, undefined, base) : base;
        };
        Object.defineProperty(type, 'rules', { get: () => (cached ??= resolve()), enumerable: true });
      }
      rule.types.push(type);
    }
    return rule;
  };

  const root = unsliced[0];
  return build(root.path, root);
}

function kindOf(code: string, isPrimitive: (code: string) => boolean): TypeKind {
  if (code === 'Resource') return 'resource';
  if (BACKBONE_CODES.has(code)) return 'backbone';
  return isPrimitive(code) ? 'primitive' : 'complex';
}

function withoutEle1(constraints: Constraint[]): Constraint[] {
  return constraints.filter((c) => c.key !== 'ele-1');
}
