/**
 * Golden tests of the de-identification engine: each file in test/fixtures/deid/ holds a raw input, the rule set
 * and the expected output (UPDATE_GOLDEN=1 rewrites the expected outputs; review the diff before committing).
 */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDeidentifier } from '../server/deid/engine.ts';
import { compileRuleSet, loadRuleSet } from '../server/deid/rule-set.ts';
import { SourceIndex } from '../server/ingest/source-references.ts';

const DIR = path.join(import.meta.dirname, 'fixtures', 'deid');
export const TEST_KEY = Buffer.from('vitrine-test-key-0123456789abcdef');
const NOW = new Date('2025-06-01T00:00:00Z');

interface GoldenCase {
  title: string;
  rules: string | object;
  input: Resource;
  expected?: Resource[];
}

function deidentifyCase(c: GoldenCase, file: string): Resource[] {
  const ruleSet = typeof c.rules === 'string' ? loadRuleSet(c.rules) : compileRuleSet(c.rules, file);
  const deidentifier = createDeidentifier(ruleSet, TEST_KEY, NOW);
  const entries: { resource: Resource; fullUrl?: string }[] = c.input.resourceType === 'Bundle' ? ((c.input as Bundle).entry ?? []).map((e) => ({ resource: e.resource as Resource, fullUrl: e.fullUrl })) : [{ resource: c.input }];
  const withIds = entries.map((e) => (e.resource.id || !e.fullUrl ? e : { ...e, resource: { ...e.resource, id: e.fullUrl.split(':').pop() } }));
  const index = new SourceIndex(withIds);
  return withIds.map((e) => deidentifier.deidentify(e.resource, index.patientKeyOf(e.resource), index.rewriter(TEST_KEY)));
}

describe('de-identification golden cases', () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith('.json')).sort()) {
    const file = path.join(DIR, name);
    const c = JSON.parse(readFileSync(file, 'utf8')) as GoldenCase;
    it(`${name.replace('.json', '')}: ${c.title}`, () => {
      const actual = deidentifyCase(c, file);
      if (process.env.UPDATE_GOLDEN === '1') {
        writeFileSync(file, `${JSON.stringify({ ...c, expected: actual }, null, 2)}\n`);
        return;
      }
      assert.ok(c.expected, `${name} has no expected output: run with UPDATE_GOLDEN=1 and review it`);
      assert.deepEqual(actual, c.expected);
    });
  }
});
