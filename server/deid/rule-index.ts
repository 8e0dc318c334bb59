/**
 * Finding the first rule that selects a node, while the engine walks a resource. Native paths are indexed by
 * their last element name (or, for a bare `nodesByType('T')`, by T), so a node is compared only with the few rules
 * that could select it; FHIRPath rules are evaluated once per resource and recognised by location.
 */
import { locateNodes, type NativePath } from './rule-path.ts';
import type { CompiledRule, RuleSet } from './rule-set.ts';

/** One step of the walk from the resource root: the element's FHIRPath name and its FHIR type. */
export interface Frame {
  name: string;
  type: string;
}

type NativeRule = CompiledRule & { selection: NativePath };

export class RuleIndex {
  private readonly byName = new Map<string, NativeRule[]>();
  private readonly byType = new Map<string, NativeRule[]>();
  private readonly rootRules: NativeRule[] = [];
  private readonly fhirpathRules: CompiledRule[] = [];

  constructor(ruleSet: RuleSet) {
    for (const rule of ruleSet.rules) {
      const selection = rule.selection;
      if (selection.kind === 'fhirpath') this.fhirpathRules.push(rule);
      else if (selection.steps.length > 0) push(this.byName, selection.steps[selection.steps.length - 1], rule as NativeRule);
      else if (selection.anchor.kind === 'nodesByType') push(this.byType, selection.anchor.type, rule as NativeRule);
      else this.rootRules.push(rule as NativeRule);
    }
  }

  /** The first rule selecting a whole resource of this type (`Patient`, `Resource`), if any. */
  ruleForRoot(resourceType: string): CompiledRule | undefined {
    return this.rootRules.find((r) => r.selection.anchor.type === undefined || r.selection.anchor.type === resourceType);
  }

  /** The first native rule selecting the node at the end of `frames` in a resource of `resourceType`. */
  firstNativeMatch(resourceType: string, frames: Frame[]): CompiledRule | undefined {
    const node = frames[frames.length - 1];
    let best: CompiledRule | undefined;
    for (const rule of this.byType.get(node.type) ?? []) {
      if (!best || rule.index < best.index) best = rule;
      break; // lists are in rule order
    }
    for (const rule of this.byName.get(node.name) ?? []) {
      if (best && rule.index > best.index) break;
      if (selects(rule.selection, resourceType, frames)) {
        best = rule;
        break;
      }
    }
    return best;
  }

  /** Locations the FHIRPath rules select in this resource, each with the first rule selecting it. */
  fhirpathMatches(resource: Record<string, unknown>): LocationMatches | undefined {
    let matches: LocationMatches | undefined;
    for (const rule of this.fhirpathRules) {
      const selection = rule.selection;
      if (selection.kind !== 'fhirpath') continue;
      if (selection.resourceType && selection.resourceType !== resource.resourceType) continue;
      for (const at of locateNodes(selection.evaluate(resource))) {
        matches ??= new LocationMatches();
        matches.add(at.parent, at.key, at.index, rule);
      }
    }
    return matches;
  }
}

/** FHIRPath-selected nodes by (parent object, key, array index). */
export class LocationMatches {
  private readonly byParent = new Map<object, Map<string, CompiledRule>>();

  add(parent: object, key: string, index: number | undefined, rule: CompiledRule): void {
    let keys = this.byParent.get(parent);
    if (!keys) this.byParent.set(parent, (keys = new Map()));
    const slot = `${key}#${index ?? ''}`;
    const existing = keys.get(slot);
    if (!existing || rule.index < existing.index) keys.set(slot, rule);
  }

  get(parent: object, key: string, index: number | undefined): CompiledRule | undefined {
    const keys = this.byParent.get(parent);
    if (!keys) return undefined;
    // fhirpath.js gives an index for items of arrays; a single value has none.
    return keys.get(`${key}#${index ?? ''}`) ?? (index === undefined ? undefined : keys.get(`${key}#`));
  }
}

function selects(path: NativePath, resourceType: string, frames: Frame[]): boolean {
  const steps = path.steps;
  const n = frames.length;
  const m = steps.length;
  if (n < m) return false;
  if (path.ofType && frames[n - 1].type !== path.ofType) return false;
  for (let i = 1; i <= m; i++) if (frames[n - i].name !== steps[m - i]) return false;
  if (path.anchor.kind === 'resource') return n === m && (path.anchor.type === undefined || path.anchor.type === resourceType);
  return n > m && frames[n - 1 - m].type === path.anchor.type;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
