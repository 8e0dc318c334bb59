import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { validateResource, type ValidateOptions } from '../server/validation/validate.ts';
import { loadProfileDirectory } from '../server/validation/registry.ts';

/**
 * Spec-shaped cases, one file per section of the specification under test/fixtures/validation/cases/: each case
 * gives a resource (and maybe validation options) and exactly the errors it must produce, as [code, expression]
 * (warnings: those it must include at least).
 */
interface Case {
  name: string;
  resource: unknown;
  profile?: string;
  options?: ValidateOptions;
  errors: [string, string][];
  warnings?: [string, string][];
}

const dir = new URL('./fixtures/validation/cases/', import.meta.url);
const profiles = fileURLToPath(new URL('./fixtures/validation/profiles/', import.meta.url));

function sorted(pairs: [string, string][]): string[] {
  return pairs.map(([code, expression]) => `${code} at ${expression}`).sort();
}

for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
  const { section, cases } = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as { section: string; cases: Case[] };
  describe(`validation cases: ${file.replace('.json', '')} (${section})`, () => {
    before(() => assert.deepEqual(loadProfileDirectory(profiles), []));
    for (const c of cases) {
      it(c.name, () => {
        const issues = validateResource(c.resource, { ...c.options, ...(c.profile ? { profile: c.profile } : {}) });
        const described = issues.map((i) => `${i.severity} ${i.code} at ${i.expression?.[0]}: ${i.diagnostics}`).join('\n');
        const errors = issues
          .filter((i) => i.severity === 'error')
          .map((i): [string, string] => [i.code, i.expression?.[0] ?? '']);
        assert.deepEqual(sorted(errors), sorted(c.errors), `issues were:\n${described}`);
        const warnings = sorted(
          issues.filter((i) => i.severity === 'warning').map((i): [string, string] => [i.code, i.expression?.[0] ?? '']),
        );
        for (const expected of sorted(c.warnings ?? [])) {
          assert.ok(warnings.includes(expected), `missing warning ${expected}; issues were:\n${described}`);
        }
      });
    }
  });
}
