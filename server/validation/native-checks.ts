/**
 * Core constraints checked in code instead of fhirpath.js. Each is used only where a StructureDefinition gives
 * exactly this expression. txt-1 and txt-2 call htmlChecks(), which fhirpath.js lacks; on dom-3 fhirpath.js
 * throws ("Expected singleton on left side of 'as'") for any resource with contained resources, so it never
 * failed. ref-1 is on every Reference, where fhirpath.js costs 10-20 µs a call; a test checks it against
 * fhirpath.js on the HL7 examples. per-1 decides what fhirpath.js leaves unknown (period-order.ts). con-3 and
 * con-5 are on every Condition, where fhirpath.js took ~0.3 ms a call (3% of an ingest worker's time); they give
 * its verdicts exactly, checked against it on crafted Conditions and on the HL7 examples.
 */
import type { InvariantScope } from './invariants.ts';
import { narrativeHasContent, narrativeProblem } from './narrative.ts';
import { periodOrderProblem } from './period-order.ts';

type Json = Record<string, unknown>;

const FAILS = '';

/** Undefined when the constraint holds, else what is wrong ('' for nothing more than the constraint's text). */
type NativeCheck = (node: unknown, scope: InvariantScope) => string | undefined;

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
      return typeof start === 'string' && typeof end === 'string' ? periodOrderProblem(start, end) : undefined;
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
  'con-3': {
    expression:
      "clinicalStatus.exists() or verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' " +
      "and code = 'entered-in-error').exists() or category.select($this='problem-list-item').empty()",
    // A CodeableConcept never equals a string, so the select is empty exactly when there is no category: as R4
    // writes it (R4B compares coding.code), a problem-list check that holds only where category is absent.
    check: holdsWhen((condition) => condition.clinicalStatus !== undefined || isEnteredInError(condition) || !hasItems(condition.category)),
  },
  'con-5': {
    expression:
      "verificationStatus.coding.where(system='http://terminology.hl7.org/CodeSystem/condition-ver-status' and " +
      "code='entered-in-error').empty() or clinicalStatus.empty()",
    check: holdsWhen((condition) => !isEnteredInError(condition) || condition.clinicalStatus === undefined),
  },
  'txt-1': { expression: 'htmlChecks()', check: (node) => narrativeProblem(node) },
  'txt-2': { expression: 'htmlChecks()', check: (node) => (narrativeHasContent(node) ? undefined : FAILS) },
};

/** A check that fails, with nothing to add to the constraint's text, where `holds` is false. */
function holdsWhen(holds: (node: Json) => boolean): NativeCheck {
  return (node) => (holds(node as Json) ? undefined : FAILS);
}

const CONDITION_VERIFICATION = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';

/** verificationStatus has the coding entered-in-error (con-3, con-5). */
function isEnteredInError(condition: Json): boolean {
  const coding = (condition.verificationStatus as Json | undefined)?.coding;
  return Array.isArray(coding) && coding.some((c: Json | null) => c?.system === CONDITION_VERIFICATION && c.code === 'entered-in-error');
}

function hasItems(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : value !== undefined;
}

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
