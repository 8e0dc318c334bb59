/**
 * The snapshot of a profile that came with a differential only: the base's snapshot with each differential
 * element applied (https://hl7.org/fhir/R4/profiling.html#snapshot). Covers what validation reads: cardinality,
 * types, fixed/pattern values and constraints, also on elements inside datatypes (Patient.identifier.system).
 * Slices are not generated: sliced elements of the differential are ignored.
 */
import { CORE_PREFIX, type SlimElement, type SlimStructureDefinition } from './definitions.ts';

type Lookup = (url: string) => SlimStructureDefinition | undefined;

/** The definition's snapshot, generated (and kept) when it has only a differential. */
export function snapshotOf(sd: SlimStructureDefinition, lookup: Lookup, seen = new Set<string>()): SlimElement[] {
  if (sd.snapshot.length > 0) return sd.snapshot;
  if (seen.has(sd.url)) throw new Error(`${sd.url} derives from itself`);
  seen.add(sd.url);
  const base = sd.baseDefinition ? lookup(sd.baseDefinition) : undefined;
  if (!base) throw new Error(`base definition ${sd.baseDefinition ?? '(none)'} of ${sd.url} is not known`);
  const elements = snapshotOf(base, lookup, seen).map(copyElement);
  for (const diff of sd.differential) {
    if (diff.sliceName || diff.id.includes(':')) continue;
    const target = findOrExpand(elements, diff.path, lookup);
    if (!target) throw new Error(`${sd.url}: element ${diff.path} is not in ${base.url}`);
    applyDifference(target.element, diff, target.onlyType);
  }
  sd.snapshot = elements;
  return elements;
}

function copyElement(e: SlimElement): SlimElement {
  return { ...e, types: [...e.types], constraints: [...e.constraints] };
}

function applyDifference(element: SlimElement, diff: SlimElement, onlyType?: string): void {
  if (diff.min >= 0) element.min = diff.min;
  if (diff.max) element.max = diff.max;
  if (diff.types.length > 0) element.types = diff.types;
  else if (onlyType) element.types = element.types.filter((t) => t.code === onlyType);
  for (const constraint of diff.constraints) {
    if (!element.constraints.some((c) => c.key === constraint.key)) element.constraints.push(constraint);
  }
  if (diff.fixed !== undefined) element.fixed = diff.fixed;
  if (diff.pattern !== undefined) element.pattern = diff.pattern;
}

/**
 * The element at `path`, inserting the children of a datatype when the path goes inside one. A type-specific
 * path (Observation.valueQuantity) names the choice element restricted to that type.
 */
function findOrExpand(
  elements: SlimElement[],
  path: string,
  lookup: Lookup,
): { element: SlimElement; onlyType?: string } | undefined {
  const found = elements.find((e) => e.path === path);
  if (found) return { element: found };
  const cut = path.lastIndexOf('.');
  if (cut < 0) return undefined;
  const parentPath = path.slice(0, cut);
  const name = path.slice(cut + 1);
  const choice = elements.find((e) => {
    if (!e.path.endsWith('[x]') || e.path.slice(0, e.path.lastIndexOf('.')) !== parentPath) return false;
    const stem = e.path.slice(cut + 1, -3);
    return name.startsWith(stem) && e.types.some((t) => stem + upperFirst(t.code) === name);
  });
  if (choice) {
    const stem = choice.path.slice(cut + 1, -3);
    return { element: choice, onlyType: choice.types.find((t) => stem + upperFirst(t.code) === name)?.code };
  }
  const parent = findOrExpand(elements, parentPath, lookup)?.element;
  if (!parent || parent.types.length !== 1) return undefined;
  // Already expanded (or a backbone element): the path names no element.
  if (elements.some((e) => e.path.startsWith(`${parent.path}.`))) return undefined;
  const type = parent.types[0];
  const typeDefinition = lookup(type.profile ?? CORE_PREFIX + type.code) ?? lookup(CORE_PREFIX + type.code);
  if (!typeDefinition) return undefined;
  const typeElements = snapshotOf(typeDefinition, lookup);
  const rootPath = typeElements[0].path;
  const inserted = typeElements.slice(1).map((e) => ({
    ...copyElement(e),
    path: parent.path + e.path.slice(rootPath.length),
    id: parent.id + e.id.slice(rootPath.length),
  }));
  const at = elements.indexOf(parent) + 1;
  elements.splice(at, 0, ...inserted);
  const element = inserted.find((e) => e.path === path);
  return element ? { element } : undefined;
}

function upperFirst(text: string): string {
  return text[0].toUpperCase() + text.slice(1);
}
