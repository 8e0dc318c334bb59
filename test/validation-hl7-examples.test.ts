import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { invariantEvaluationErrors, useInvariantFastPaths } from '../server/validation/invariants.ts';
import { hasErrors, validateResource } from '../server/validation/validate.ts';

const ARCHIVE = fileURLToPath(new URL('../../shared/data/hl7-r4-examples/r4-examples-instances.tar.gz', import.meta.url));

/**
 * Examples published with R4 that break its own rules, and which rule. Every other example must be accepted.
 */
const KNOWN_INVALID: Record<string, string> = {
  'ActivityDefinition-blood-tubes-supply.json': 'txt-2: the narrative is an empty div',
  'ActivityDefinition-heart-valve-replacement.json': 'txt-2: the narrative is an empty div',
  'EventDefinition-example.json': 'txt-2: the narrative is an empty div',
  'Questionnaire-zika-virus-exposure-assessment.json': 'txt-2: the narrative is an empty div',
  'Questionnaire-qs1.json': 'Questionnaire.item.linkId (1..1) is missing from 32 nested items',
  'DeviceMetric-example.json': 'DeviceMetric.parent refers to a DeviceDefinition; Reference(Device) only',
  'DeviceUseStatement-example.json': 'reasonReference refers to a Procedure, which its Reference types exclude',
  'MedicationRequest-medrx0301.json': 'dispenseRequest.performer refers to a Practitioner; Reference(Organization) only',
  'Observation-clinical-gender.json': 'performer refers to an Encounter, which its Reference types exclude',
};

function describeIssues(issues: OperationOutcomeIssue[]): string {
  return issues
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.expression?.[0]}: ${i.diagnostics}`)
    .join(' | ');
}

describe('validation: the HL7 R4 examples (hl7.fhir.r4.examples 4.0.1)', function () {
  this.timeout(300_000);
  let dir = '';
  const examples = new Map<string, unknown>();

  before(function () {
    if (!existsSync(ARCHIVE)) {
      console.log(`      skipped: ${ARCHIVE} is absent (the shared data sets sit beside the repository)`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'vitrine-hl7-examples-'));
    execFileSync('tar', ['-xzf', ARCHIVE, '-C', dir]);
    const root = join(dir, 'r4-examples');
    for (const file of readdirSync(root).sort()) examples.set(file, JSON.parse(readFileSync(join(root, file), 'utf8')));
    invariantEvaluationErrors().clear();
  });

  after(() => {
    useInvariantFastPaths(true);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts all 720 but the documented known-bad examples', () => {
    assert.equal(examples.size, 720);
    const rejected = new Map<string, string>();
    for (const [file, resource] of examples) {
      const issues = validateResource(resource);
      if (hasErrors(issues)) rejected.set(file, describeIssues(issues));
    }
    console.log(`      accepted ${examples.size - rejected.size} of ${examples.size} examples`);
    for (const [file, why] of rejected) console.log(`      rejected ${file}: ${why.slice(0, 300)}`);
    assert.deepEqual([...rejected.keys()].sort(), Object.keys(KNOWN_INVALID).sort());
  });

  it('meets no core constraint that fhirpath.js fails to compile or evaluate', () => {
    const errors = [...invariantEvaluationErrors()].map(([label, error]) => `${label}: ${error}`);
    assert.deepEqual(errors, []);
  });

  it('never fails internally on mutated examples (deleted elements, wrong types, stray keys)', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const values = [null, 0, -1, 1.5, '', ' x', true, [], {}, [null], [{}], { resourceType: 'Patient' }, '2020-13-45'];
    const mutate = (node: unknown, depth: number): void => {
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.length === 0) return;
      const key = keys[Math.floor(random() * keys.length)];
      const choice = random();
      if (choice < 0.3 && depth < 6) mutate(record[key], depth + 1);
      else if (choice < 0.5) delete record[key];
      else if (choice < 0.9) record[key] = structuredClone(values[Math.floor(random() * values.length)]);
      else record[`${key}Extra`] = record[key];
    };
    const failures: string[] = [];
    [...examples].forEach(([file, resource], index) => {
      if (index % 5 !== 0) return;
      for (let round = 0; round < 10; round++) {
        const mutated = structuredClone(resource);
        mutate(mutated, 0);
        const exception = validateResource(mutated).find((i) => i.code === 'exception');
        if (exception) failures.push(`${file}: ${exception.diagnostics}`);
      }
    });
    assert.deepEqual(failures, []);
  });

  it('gives the same issues with and without the fast paths (native checks, presence tests, vacuity guards)', () => {
    const fast = new Map<string, string>();
    for (const [file, resource] of examples) fast.set(file, JSON.stringify(validateResource(resource)));
    useInvariantFastPaths(false);
    try {
      const different = [...examples].filter(([file, resource]) => JSON.stringify(validateResource(resource)) !== fast.get(file));
      assert.deepEqual(different.map(([file]) => file), []);
    } finally {
      useInvariantFastPaths(true);
    }
  });
});
