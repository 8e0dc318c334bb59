import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasErrors, validateResource } from '../server/validation/validate.ts';

/**
 * The HL7 validator test cases (FHIR/fhir-test-cases, validator/manifest.json) that need no profile or package:
 * `standalone_base_validation` in CASES.json. The expected verdict is the reference Java validator's: invalid when
 * its outcome has errors.
 */
const DATA = fileURLToPath(new URL('../../shared/data/fhir-test-cases-validator/', import.meta.url));

interface ValidatorCase {
  name: string;
  file: string;
  module: string;
  standalone_base_validation: boolean;
  java_base_outcome: { file?: string; errors?: number | null; first_error?: string | null } | null;
  original_manifest_entry: Record<string, unknown>;
}

/** Manifest keys that describe a case rather than set a validator option. */
const DESCRIPTIVE_KEYS = new Set([
  'name', 'file', 'version', 'module', 'java', 'firely-sdk-current', 'firely-sdk-wip', 'description', 'explanation',
  'documentation', 'matchetype',
]);

/** What a terminology server finds: display names and value set membership. */
const TERMINOLOGY = /Wrong Display Name|None of the codings|value set|ValueSet|Unknown code|code system/i;

/** Why our verdict differs from the Java validator's, case by case. */
const REASONS: Record<string, string> = {
  'bad-markdown-no-html': 'run with noHtmlInMarkdown: markdown may hold HTML by default',
  'bundle-document-versioned-references-bad': 'references between the entries of a Bundle are not resolved',
  'bundle-id-5': "its one error is a display name, which a terminology server checks",
  capstmt:
    'a CapabilityStatement searchParam whose type differs from the core SearchParameter is accepted: three HL7 ' +
    'examples (knowledge-repository, measure-processor, terminology-server) do just that',
  'contained-resource-bad-id-ignore': 'run with validateContains=IGNORE; contained resources are always validated here',
  'dr-example-org': 'run with examples=false, which refuses example.org URLs',
  'encounter-period':
    "per-1 compares a date with a dateTime: FHIRPath gives empty (unknown) for different precisions, so the " +
    'constraint holds; the Java validator compares them in its own time zone',
  'ips-nz-pj': 'run with the IPS package; its errors are display names (terminology)',
  'json-comments-1-yes': 'run with allow-comments: JSON with comments is not JSON, refused before validation',
  'json-comments-2-yes': 'run with allow-comments: JSON with comments is not JSON, refused before validation',
  'maiden-name-extension': 'the context of a core extension (here as of 5.3.0-ballot) is not checked',
  'nested-questionnaire-nested-valueset': 'an extension with no known definition is accepted, where Java refuses it',
  'obs-mz': 'the snapshot of the StructureDefinition being validated is not generated',
  'obs-temp-bad': 'profiles are not chosen by code (the vital signs ones) and slicing is not evaluated',
  'parameters-reference-bad': 'run with validateReference: references are not resolved',
  'pat-dob-ext': 'an extension with no known definition is accepted, where Java refuses it',
  'pat-example-extensions': 'run with examples=false; an extension with no known definition is accepted',
  'pat-security-bad-string': 'run with security-checks, which refuses HTML in strings',
  'qr-bad-ref2': 'run with validateReference: canonical references are not resolved',
  'signatures-example-2': 'digital signatures are not verified',
  'target-ref-profile-empty': 'an extension with no known definition is accepted, where Java refuses it',
  'uk-msg': 'run with an allowed extension domain; its other errors are display names (terminology)',
};

describe('validation: the HL7 validator test cases, standalone R4 JSON', function () {
  this.timeout(120_000);
  let dir = '';

  before(function () {
    if (!existsSync(join(DATA, 'CASES.json'))) {
      console.log(`      skipped: ${DATA} is absent (the shared data sets sit beside the repository)`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'vitrine-validator-cases-'));
    execFileSync('tar', ['-xzf', join(DATA, 'validator-r4-json-cases.tar.gz'), '-C', dir]);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('agrees with the reference validator on at least 90% of the cases that use its default options', () => {
    const all = (JSON.parse(readFileSync(join(DATA, 'CASES.json'), 'utf8')) as { cases_detail: ValidatorCase[] }).cases_detail;
    const cases = all.filter(
      (c) =>
        c.standalone_base_validation &&
        typeof c.java_base_outcome?.errors === 'number' &&
        existsSync(join(dir, 'validator', c.file)),
    );
    let agreed = 0;
    let inScope = 0;
    let agreedInScope = 0;
    const unexplained: string[] = [];
    for (const c of cases) {
      const expectedInvalid = (c.java_base_outcome!.errors as number) > 0;
      const outOfScope = scopeOf(c, dir);
      let invalid: boolean;
      let found: string;
      try {
        const issues = validateResource(JSON.parse(readFileSync(join(dir, 'validator', c.file), 'utf8')));
        invalid = hasErrors(issues);
        found = issues.filter((i) => i.severity === 'error').map((i) => `${i.expression?.[0]}: ${i.diagnostics}`)[0] ?? '';
      } catch (err) {
        invalid = true;
        found = `not JSON: ${(err as Error).message}`;
      }
      if (!outOfScope) inScope++;
      if (invalid === expectedInvalid) {
        agreed++;
        if (!outOfScope) agreedInScope++;
        continue;
      }
      const expected = expectedInvalid ? `invalid (${c.java_base_outcome!.first_error ?? ''})` : 'valid';
      const reason = REASONS[c.name];
      if (!reason) unexplained.push(c.name);
      console.log(
        `      disagree ${c.name} [${outOfScope || 'default options'}]: expected ${expected.slice(0, 140)}, ` +
          `found ${invalid ? `invalid (${found.slice(0, 140)})` : 'valid'}; ${reason ?? 'no documented reason'}`,
      );
    }
    const percent = (part: number, whole: number) => ((100 * part) / whole).toFixed(1);
    console.log(`      agreement: ${agreed}/${cases.length} = ${percent(agreed, cases.length)}% of all standalone cases`);
    console.log(
      `      agreement: ${agreedInScope}/${inScope} = ${percent(agreedInScope, inScope)}% of those run with the ` +
        'default options and not judged by a terminology server',
    );
    assert.ok(cases.length >= 160, `only ${cases.length} cases found`);
    assert.deepEqual(unexplained, [], 'every disagreement has a documented reason');
    assert.ok(agreedInScope / inScope >= 0.9, `in-scope agreement ${percent(agreedInScope, inScope)}%`);
    assert.ok(agreed / cases.length >= 0.85, `overall agreement ${percent(agreed, cases.length)}%`);
  });
});

/**
 * Why a case's expected verdict is outside what this validator models, decided from the case alone: the Java
 * validator was run with options (allow-comments, examples=false, security-checks, ...), or every error it
 * reported is a terminology finding.
 */
function scopeOf(c: ValidatorCase, dir: string): string | undefined {
  const options = Object.keys(c.original_manifest_entry).filter((k) => !DESCRIPTIVE_KEYS.has(k));
  if (options.length > 0) return `options: ${options.join(', ')}`;
  const outcomeFile = c.java_base_outcome?.file;
  if (!outcomeFile || !existsSync(join(dir, 'validator', outcomeFile))) return undefined;
  const outcome = JSON.parse(readFileSync(join(dir, 'validator', outcomeFile), 'utf8')) as {
    issue?: { severity: string; details?: { text?: string } }[];
  };
  const errors = (outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  return errors.length > 0 && errors.every((i) => TERMINOLOGY.test(i.details?.text ?? '')) ? 'terminology' : undefined;
}
