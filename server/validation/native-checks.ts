/**
 * Core constraints checked in code instead of fhirpath.js. Each is used only where a StructureDefinition gives
 * exactly this expression. txt-1 and txt-2 call htmlChecks(), which fhirpath.js lacks; on dom-3 fhirpath.js
 * throws ("Expected singleton on left side of 'as'") for any resource with contained resources, so it never
 * failed. ref-1 is on every Reference and per-1 on every Period, where fhirpath.js costs 10-20 µs a call; per-1
 * only decides dates of the same precision and defers the rest to fhirpath.js. A test checks both against
 * fhirpath.js on the HL7 examples.
 */
import type { InvariantScope } from './invariants.ts';
import { narrativeHasContent, narrativeProblem } from './narrative.ts';

type Json = Record<string, unknown>;

const FAILS = '';

/** Returned by a check that leaves this instance to fhirpath.js. */
export const DEFER = Symbol('defer to fhirpath.js');

/** Undefined when the constraint holds, else what is wrong ('' for nothing more than the constraint's text). */
type NativeCheck = (node: unknown, scope: InvariantScope) => string | undefined | typeof DEFER;

export const NATIVE_CHECKS: Record<string, { expression: string; check: NativeCheck }> = {
  'ref-1': {
    expression:
      "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))",
    check: (node, scope) => {
      const reference = (node as Json).reference;
      if (typeof reference !== 'string' || !reference.startsWith('#')) return undefined;
      const id = reference.slice(1);
      return containedOf(scope.rootResource).some((c) => c.id === id) ? undefined : `no contained resource ${reference}`;
    },
  },
  'per-1': {
    expression: 'start.hasValue().not() or end.hasValue().not() or (start <= end)',
    check: (node) => {
      const { start, end } = node as Json;
      if (typeof start !== 'string' || typeof end !== 'string') return undefined;
      const order = compareSamePrecision(start, end);
      return order === undefined ? DEFER : order <= 0 ? undefined : FAILS;
    },
  },
  'dom-3': {
    expression:
      "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical) | " +
      "%resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#')" +
      ".exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#')" +
      ".exists()).not()).trace('unmatched', id).empty()",
    check: (node) => {
      const contained = containedOf(node);
      if (contained.length === 0) return undefined;
      // Every string in the resource that is a local reference ('#id'): references, canonicals and uris alike.
      const local = new Set<string>();
      collectLocalReferences(node, local);
      const unreferenced = contained.filter((c) => {
        if (typeof c.id !== 'string' || local.has(`#${c.id}`)) return false;
        const own = new Set<string>();
        collectLocalReferences(c, own);
        return !own.has('#');
      });
      return unreferenced.length > 0 ? `not referenced: ${unreferenced.map((c) => `#${String(c.id)}`).join(', ')}` : undefined;
    },
  },
  'txt-1': { expression: 'htmlChecks()', check: (node) => narrativeProblem(node) },
  'txt-2': { expression: 'htmlChecks()', check: (node) => (narrativeHasContent(node) ? undefined : FAILS) },
};

function containedOf(node: unknown): Json[] {
  const contained = (node as Json).contained;
  return Array.isArray(contained) ? contained.filter((c): c is Json => typeof c === 'object' && c !== null) : [];
}

function collectLocalReferences(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value.charCodeAt(0) === 35) into.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectLocalReferences(item, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) collectLocalReferences(item, into);
  }
}

/**
 * The order of two dates or dateTimes written to the same precision (and, with a time, each with its time zone,
 * as FHIR requires): negative, 0 or positive; undefined when their precisions differ, where FHIRPath's rules on
 * partial precision apply and fhirpath.js decides.
 */
function compareSamePrecision(a: string, b: string): number | undefined {
  if (shape(a) !== shape(b)) return undefined;
  if (a.length <= 10) return a < b ? -1 : a > b ? 1 : 0;
  const difference = Date.parse(a) - Date.parse(b);
  return Number.isNaN(difference) ? undefined : difference;
}

/** The precision of a date or dateTime: its date part, and whether it has a time and fractional seconds. */
function shape(value: string): string {
  const time = value.indexOf('T');
  if (time < 0) return String(value.length);
  const fraction = value.indexOf('.', time);
  return fraction < 0 ? 'time' : `time.${/^\.(\d+)/.exec(value.slice(fraction))?.[1].length ?? 0}`;
}
