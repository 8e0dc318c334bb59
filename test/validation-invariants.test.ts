import assert from 'node:assert/strict';
import fhirpath from 'fhirpath';
import r4Model from 'fhirpath/fhir-context/r4';
import { coreDefinitions } from '../server/validation/definitions.ts';
import { CORRECTED_INVARIANTS, SKIPPED_INVARIANTS } from '../server/validation/invariants.ts';
import { NATIVE_CHECKS } from '../server/validation/native-checks.ts';
import { compilePresence } from '../server/validation/presence.ts';
import { canSkip, vacuityGuard } from '../server/validation/vacuity.ts';

/** Every (key, expression) of the core StructureDefinitions. */
function coreConstraints(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const sd of coreDefinitions().values()) {
    for (const element of sd.snapshot) {
      for (const c of element.constraints) {
        if (!found.has(c.key)) found.set(c.key, new Set());
        found.get(c.key)!.add(c.expression);
      }
    }
  }
  return found;
}

function fhirpathSays(base: string, expression: string, node: unknown): boolean {
  const result = fhirpath.evaluate(node, { base, expression }, {}, r4Model) as unknown[];
  return !(result.length === 1 && result[0] === false);
}

describe('validation: constraints (https://hl7.org/fhir/R4/conformance-rules.html#constraints)', () => {
  const core = coreConstraints();

  it('skips, corrects and replaces only core constraints whose expression is exactly the documented one', () => {
    const documented = [
      ...Object.entries(SKIPPED_INVARIANTS).map(([key, entry]) => [key, entry.expression]),
      ...Object.entries(CORRECTED_INVARIANTS).map(([key, entry]) => [key, entry.expression]),
      ...Object.entries(NATIVE_CHECKS).map(([key, entry]) => [key, entry.expression]),
    ];
    for (const [key, expression] of documented) {
      assert.ok(core.get(key)?.has(expression), `${key}: ${expression}`);
    }
    for (const entry of [...Object.values(SKIPPED_INVARIANTS), ...Object.values(CORRECTED_INVARIANTS)]) {
      assert.ok(entry.reason.length > 20, 'each has a reason');
    }
  });

  describe('the native checks that only save time agree with fhirpath.js', () => {
    const ver = (system: string, code: string) => ({ coding: [{ system, code }] });
    const VER = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
    const problem = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }] }];
    const conditions: Record<string, unknown>[] = [
      {},
      { category: problem },
      { category: [{ text: 'problem-list-item' }, { coding: [{ code: 'encounter-diagnosis' }] }] },
      { clinicalStatus: ver('http://terminology.hl7.org/CodeSystem/condition-clinical', 'active'), category: problem },
      { verificationStatus: ver(VER, 'entered-in-error'), category: problem },
      { verificationStatus: ver(VER, 'entered-in-error'), clinicalStatus: { text: 'active' } },
      { verificationStatus: ver('http://example.org/other', 'entered-in-error'), clinicalStatus: { text: 'active' }, category: problem },
      { verificationStatus: { coding: [{ code: 'entered-in-error' }, { system: VER, code: 'confirmed' }] }, category: problem },
      { verificationStatus: { text: 'entered in error' }, clinicalStatus: { text: 'x' } },
    ];
    for (const key of ['con-3', 'con-5']) {
      for (const condition of conditions) {
        it(`${key} on ${JSON.stringify(condition)}`, () => {
          const node = { resourceType: 'Condition', subject: { reference: 'Patient/p' }, ...condition };
          const native = NATIVE_CHECKS[key].check(node, { resource: node, rootResource: node }) === undefined;
          assert.equal(native, fhirpathSays('Condition', NATIVE_CHECKS[key].expression, node));
        });
      }
    }
  });

  describe('presence compilation agrees with fhirpath.js', () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ['Quantity', 'code.empty() or system.exists()', {}],
      ['Quantity', 'code.empty() or system.exists()', { code: 'mg' }],
      ['Quantity', 'code.empty() or system.exists()', { code: 'mg', system: 'http://unitsofmeasure.org' }],
      ['Extension', 'extension.exists() != value.exists()', { url: 'x', valueQuantity: { value: 1 } }],
      ['Extension', 'extension.exists() != value.exists()', { url: 'x', _valueCode: { id: 'a' } }],
      ['Extension', 'extension.exists() != value.exists()', { url: 'x' }],
      ['Extension', 'extension.exists() != value.exists()', { url: 'x', valueString: 'a', extension: [{ url: 'y' }] }],
      ['Observation', 'dataAbsentReason.empty() or value.empty()', { valueString: 'x', dataAbsentReason: { text: 'a' } }],
      ['Observation', 'contained.meta.security.empty()', { contained: [{ resourceType: 'Patient', meta: { security: [{ code: 'R' }] } }] }],
      ['Observation', 'contained.meta.security.empty()', { contained: [{ resourceType: 'Patient', meta: {} }] }],
      ['Observation', 'text.`div`.exists()', { text: { status: 'generated' } }],
      ['Appointment', 'start.exists() = end.exists()', { start: '2020-01-01T00:00:00Z' }],
      ['Appointment', 'start.exists() = end.exists()', {}],
      ['Timing.repeat', 'duration.empty() or durationUnit.exists()', { duration: 1 }],
      ['Timing.repeat', 'period.exists() implies period >= 0', { period: -1 }],
    ];
    for (const [base, expression, node] of cases) {
      it(`${base}: ${expression} on ${JSON.stringify(node)}`, () => {
        const presence = compilePresence(expression, base);
        if (!presence) {
          assert.ok(expression.includes('>='), 'only comparisons are left to fhirpath.js here');
          return;
        }
        assert.equal(presence(node), fhirpathSays(base, expression, node));
      });
    }

    it('does not mistake an element for a type of a choice element (ElementDefinition.binding.valueSet)', () => {
      const presence = compilePresence('valueSet.exists()', 'ElementDefinition.binding');
      assert.ok(presence);
      assert.equal(presence({ valueSetUri: 'x' }), false);
      assert.equal(presence({ valueSet: 'http://example.org/vs' }), true);
    });
  });

  describe('vacuity guards', () => {
    it('finds the children whose absence makes a constraint hold', () => {
      assert.deepEqual(vacuityGuard('code.empty() or system.exists()'), [['code']]);
      assert.deepEqual(vacuityGuard('start.hasValue().not() or end.hasValue().not() or (start <= end)'), [['start'], ['end']]);
      assert.deepEqual(
        vacuityGuard("value.empty() or component.code.where(coding.intersect(%resource.code.coding).exists()).empty()"),
        [['value'], ['component']],
      );
      assert.deepEqual(vacuityGuard("reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id)"), [
        ['reference'],
      ]);
      assert.deepEqual(vacuityGuard("operator = 'exists' implies (answer is Boolean)"), [['operator']]);
    });

    it('finds none where absence can fail the constraint', () => {
      for (const expression of [
        'name.exists() or telecom.exists()',
        'name.count() = 0',
        'Appointment.cancelationReason.exists() implies (Appointment.status = \'noshow\')',
        "(low.empty() or ((low.code = '%') and (low.system = %ucum))) and high.exists()",
        'name ~ %resource.name',
      ]) {
        assert.equal(vacuityGuard(expression), undefined, expression);
      }
    });

    it('skips only when every name of one alternative is absent, choice types and _name included', () => {
      const guard = [['value'], ['component']];
      assert.equal(canSkip({ code: {} }, guard), true);
      assert.equal(canSkip({ valueQuantity: {}, component: [] }, guard), false);
      assert.equal(canSkip({ _valueString: {}, code: {} }, guard), true);
      assert.equal(canSkip({ _valueString: {}, component: [] }, [['value', 'component']]), false);
    });
  });
});
