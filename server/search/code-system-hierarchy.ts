/**
 * The subsumption hierarchy a CodeSystem defines by nesting `concept` inside `concept` (and by `parent` /
 * `subsumedBy` concept properties), for `:above`, `:below` and ValueSet `is-a` filters.
 * https://hl7.org/fhir/R4/codesystem.html#hierarchy
 */
import type { CodeSystem, CodeSystemConcept } from '@medplum/fhirtypes';

export interface CodeHierarchy {
  /** Every code the CodeSystem defines, in definition order. */
  codes: string[];
  parents: Map<string, string[]>;
  children: Map<string, string[]>;
}

const hierarchies = new WeakMap<CodeSystem, CodeHierarchy>();
const PARENT_PROPERTIES = new Set(['parent', 'subsumedBy']);

/** The hierarchy of a CodeSystem, built once per resource object. */
export function hierarchyOf(codeSystem: CodeSystem): CodeHierarchy {
  let hierarchy = hierarchies.get(codeSystem);
  if (hierarchy) return hierarchy;
  hierarchy = { codes: [], parents: new Map(), children: new Map() };
  const link = (parent: string, child: string): void => {
    push(hierarchy!.parents, child, parent);
    push(hierarchy!.children, parent, child);
  };
  const visit = (concepts: CodeSystemConcept[] | undefined, parent: string | undefined): void => {
    for (const concept of concepts ?? []) {
      if (!concept.code) continue;
      hierarchy!.codes.push(concept.code);
      if (parent) link(parent, concept.code);
      for (const property of concept.property ?? []) {
        if (PARENT_PROPERTIES.has(property.code ?? '') && property.valueCode) link(property.valueCode, concept.code);
      }
      visit(concept.concept, concept.code);
    }
  };
  visit(codeSystem.concept, undefined);
  hierarchies.set(codeSystem, hierarchy);
  return hierarchy;
}

/** True when the CodeSystem says anything about subsumption. */
export function hasHierarchy(hierarchy: CodeHierarchy): boolean {
  return hierarchy.children.size > 0;
}

/** The code and everything it subsumes (`includeSelf` false: strictly below). */
export function codesBelow(hierarchy: CodeHierarchy, code: string, includeSelf = true): string[] {
  return walk(hierarchy.children, code, includeSelf);
}

/** The code and everything that subsumes it. */
export function codesAbove(hierarchy: CodeHierarchy, code: string, includeSelf = true): string[] {
  return walk(hierarchy.parents, code, includeSelf);
}

function walk(edges: Map<string, string[]>, start: string, includeSelf: boolean): string[] {
  const seen = new Set<string>([start]);
  const queue = [start];
  // A cycle in a badly made CodeSystem must not loop forever: `seen` stops it.
  for (let i = 0; i < queue.length; i++) {
    for (const next of edges.get(queue[i]) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  if (!includeSelf) seen.delete(start);
  return [...seen];
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
