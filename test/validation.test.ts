import assert from 'node:assert/strict';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { hasErrors, validateResource } from '../server/validation/validate.ts';
import { fhirSchema } from '../server/validation/fhir-schema.ts';
import { registerProfile } from '../server/validation/registry.ts';

function errors(issues: OperationOutcomeIssue[]): string[] {
  return issues.filter((i) => i.severity === 'error').map((i) => `${i.code} at ${i.expression?.[0] ?? '-'}`);
}

/** Extensions nested inside a Patient down to exactly `levels` of objects and arrays (the Patient is level 1). */
function nestedExtensions(levels: number): Record<string, unknown> {
  const patient: Record<string, unknown> = { resourceType: 'Patient' };
  let parent = patient;
  let depth = 1;
  // Each extension adds two levels: the array and the object in it.
  while (depth + 2 <= levels) {
    const extension: Record<string, unknown> = { url: 'http://example.org/x' };
    parent.extension = [extension];
    parent = extension;
    depth += 2;
  }
  if (depth === levels) parent.valueString = 'leaf';
  else parent.valueCodeableConcept = { text: 'leaf' };
  return patient;
}

describe('validation: validateResource (https://hl7.org/fhir/R4/validation.html)', () => {
  it('returns no issue but warnings for a valid resource, and hasErrors says so', () => {
    const issues = validateResource({ resourceType: 'Patient', name: [{ family: 'Doe' }] });
    assert.deepEqual(errors(issues), []);
    assert.equal(hasErrors(issues), false);
    assert.equal(hasErrors([{ severity: 'fatal', code: 'exception' }]), true);
  });

  it('gives every issue a severity, a code, diagnostics and an expression', () => {
    const issues = validateResource({ resourceType: 'Observation', status: 'done', valueQuantity: { value: 'x' } });
    assert.ok(issues.length >= 3);
    for (const issue of issues) {
      assert.ok(['error', 'warning'].includes(issue.severity));
      assert.ok(issue.code && issue.diagnostics && issue.expression?.[0], JSON.stringify(issue));
    }
  });

  it('never throws, whatever it is given', () => {
    const inputs: unknown[] = [null, undefined, 0, 'Patient', [], [{ resourceType: 'Patient' }], {}, { resourceType: 5 },
      { resourceType: 'Resource' }, { resourceType: 'DomainResource' }, { resourceType: 'Foo' },
      { resourceType: 'Patient', name: 'x', contained: [null, 1, { resourceType: 'Bundle', entry: 'x' }] },
      { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'Observation', code: [], valueQuantity: [] } }] },
      { resourceType: 'Patient', text: { div: '<div' }, _birthDate: [null], name: [{ given: null, _given: {} }] }];
    for (const input of inputs) {
      const issues = validateResource(input);
      assert.ok(Array.isArray(issues));
      if (input === null || typeof input !== 'object' || Array.isArray(input)) assert.equal(hasErrors(issues), true);
    }
  });

  it('refuses what is not a resource with one error', () => {
    assert.deepEqual(errors(validateResource([])), ['structure at -']);
    assert.deepEqual(errors(validateResource({ id: 'x' })), ['required at -']);
    assert.deepEqual(errors(validateResource({ resourceType: 'Pateint' })), ['structure at resourceType']);
    assert.deepEqual(errors(validateResource({ resourceType: 'DomainResource' })), ['structure at resourceType']);
  });

  it('names the one wrong element of a nested resource, not every type it could have been', () => {
    const issues = validateResource({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { resourceType: 'Patient', name: [{ given: ['a', 'b', 7] }] } }],
    });
    assert.deepEqual(errors(issues), ['structure at Bundle.entry[0].resource.name[0].given[2]']);
  });

  it('refuses a string longer than FHIR allows (1 MB)', () => {
    const issues = validateResource({ resourceType: 'Patient', name: [{ text: 'x'.repeat(1024 * 1024 + 1) }] });
    assert.deepEqual(errors(issues), ['value at Patient.name[0].text']);
  });

  it('scans adversarial narrative markup once (an unclosed quote in every tag)', () => {
    const div = `<div xmlns="http://www.w3.org/1999/xhtml">${"<b title='x".repeat(50_000)}</div>`;
    const issues = validateResource({ resourceType: 'Patient', text: { status: 'generated', div } });
    const txt1 = issues.find((i) => i.diagnostics?.startsWith('Constraint failed: txt-1'));
    assert.match(txt1?.diagnostics ?? '', /the tag <b> is not well-formed/);
  });

  it('checks long invalid base64 in linear time (the schema pattern would backtrack for minutes)', () => {
    const issues = validateResource({
      resourceType: 'Patient',
      extension: [{ url: 'http://example.org/x', valueBase64Binary: `${'AAAA '.repeat(20000)}!` }],
    });
    assert.deepEqual(errors(issues), ['value at Patient.extension[0].valueBase64Binary']);
  });
});

describe('validation: every R4 resource type', function () {
  this.timeout(180_000);

  it('compiles the schema and rules of each of the 146 types, and names what a bare instance lacks', () => {
    const types = fhirSchema().resourceTypes;
    assert.equal(types.length, 146);
    for (const type of types) {
      const issues = validateResource({ resourceType: type, id: 'x' });
      assert.ok(issues.every((i) => i.code !== 'exception'), `${type}: ${JSON.stringify(issues)}`);
      for (const issue of issues.filter((i) => i.code === 'required')) {
        assert.ok(issue.expression?.[0]?.startsWith(`${type}.`), `${type}: ${JSON.stringify(issue)}`);
      }
    }
  });
});

describe('validation: refused JSON (DESIGN.md, errors and bad input)', () => {
  it('accepts nesting of 64 levels and refuses 65 with one error, before any other check', () => {
    assert.deepEqual(errors(validateResource(nestedExtensions(64))), []);
    const tooDeep = nestedExtensions(65);
    (tooDeep as Record<string, unknown>).gender = 'not-a-gender';
    const issues = validateResource(tooDeep);
    assert.equal(issues.length, 1);
    assert.equal(issues[0].code, 'structure');
    assert.match(issues[0].diagnostics ?? '', /deeper than 64/);
  });

  it('refuses a cyclic object as too deep rather than overflowing the stack', () => {
    const cyclic: Record<string, unknown> = { resourceType: 'Patient' };
    cyclic.extension = [cyclic];
    assert.equal(errors(validateResource(cyclic)).length, 1);
  });

  for (const key of ['__proto__', 'constructor', 'prototype']) {
    it(`refuses the key ${key} wherever it is, naming where`, () => {
      const resource = JSON.parse(`{"resourceType":"Patient","name":[{"family":"Doe","${key}":{"polluted":true}}]}`);
      const issues = validateResource(resource);
      assert.equal(issues.length, 1);
      assert.equal(issues[0].severity, 'error');
      assert.equal(issues[0].expression?.[0], `Patient.name[0].${key}`);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
    });
  }
});

describe('validation: profiles', () => {
  it('gives one error issue for an unknown profile', () => {
    const issues = validateResource({ resourceType: 'Patient' }, { profile: 'http://example.org/no-such-profile' });
    assert.equal(issues.length, 1);
    assert.equal(issues[0].severity, 'error');
    assert.match(issues[0].diagnostics ?? '', /Unknown profile/);
  });

  it('gives one error issue for a profile of another type', () => {
    const issues = validateResource({ resourceType: 'Patient' }, { profile: 'http://hl7.org/fhir/StructureDefinition/Observation' });
    assert.equal(issues.length, 1);
    assert.match(issues[0].diagnostics ?? '', /is for Observation, not Patient/);
  });

  it('accepts a versioned canonical URL', () => {
    const issues = validateResource({ resourceType: 'Patient' }, { profile: 'http://hl7.org/fhir/StructureDefinition/Patient|4.0.1' });
    assert.deepEqual(errors(issues), []);
  });

  it('refuses to register what is not a usable StructureDefinition', () => {
    assert.match(registerProfile({ resourceType: 'Patient' }) ?? '', /not a StructureDefinition/);
    assert.match(
      registerProfile({ resourceType: 'StructureDefinition', url: 'http://hl7.org/fhir/StructureDefinition/Patient', type: 'Patient' }) ?? '',
      /core definition/,
    );
    assert.match(
      registerProfile({ resourceType: 'StructureDefinition', url: 'http://example.org/empty', type: 'Patient' }) ?? '',
      /neither a snapshot nor a differential/,
    );
  });

  it('explains a profile whose differential names an element its base lacks', () => {
    assert.equal(
      registerProfile({
        resourceType: 'StructureDefinition',
        url: 'http://example.org/broken',
        type: 'Patient',
        derivation: 'constraint',
        baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient',
        differential: { element: [{ id: 'Patient.shoeSize', path: 'Patient.shoeSize', min: 1 }] },
      }),
      undefined,
    );
    const issues = validateResource({ resourceType: 'Patient' }, { profile: 'http://example.org/broken' });
    assert.equal(issues.length, 1);
    assert.match(issues[0].diagnostics ?? '', /Patient\.shoeSize is not in/);
  });
});
