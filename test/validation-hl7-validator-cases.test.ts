import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasErrors, validateResource, type ValidateOptions } from '../server/validation/validate.ts';

/**
 * The HL7 validator test cases (FHIR/fhir-test-cases, validator/manifest.json) that need no profile or package:
 * `standalone_base_validation` in CASES.json. The expected verdict is the reference Java validator's: invalid when
 * its outcome has errors. Each case runs with the options its manifest entry gave the Java validator, where this
 * validator has the same option (harnessOptions), as the Java test harness does.
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
  'bundle-id-5': "its one error is a display name, which a terminology server checks",
  capstmt:
    'a CapabilityStatement searchParam whose type differs from the core SearchParameter is accepted: three HL7 ' +
    'examples (knowledge-repository, measure-processor, terminology-server) do just that',
  'ips-nz-pj': 'run with the IPS package; its errors are display names (terminology)',
  'maiden-name-extension': 'the context of a core extension (here as of 5.3.0-ballot) is not checked',
  'nested-questionnaire-nested-valueset':
    'an extension with no known definition is accepted from an allowed domain (here hl7.org, an SDC extension); ' +
    'the Java validator was run with no domain allowed',
  'obs-mz': 'the snapshot of the StructureDefinition being validated is not generated',
  'obs-temp-bad': 'profiles are not chosen by code (the vital signs ones) and slicing is not evaluated',
  'parameters-reference-bad': 'run with validateReference: references are not resolved',
  'qr-bad-ref2': 'run with validateReference: canonical references are not resolved',
  'signatures-example-2': 'digital signatures are not verified',
  'uk-msg': 'its errors are display names (terminology); its extensions are in the allowed domain it was run with',
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

  it('agrees with the reference validator on at least 90% of all cases and of those with default options', () => {
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
    const disagreed = new Set<string>();
    for (const c of cases) {
      const expectedInvalid = (c.java_base_outcome!.errors as number) > 0;
      const outOfScope = scopeOf(c, dir);
      let invalid: boolean;
      let found: string;
      try {
        const { options, allowComments } = harnessOptions(c.original_manifest_entry);
        const text = readFileSync(join(dir, 'validator', c.file), 'utf8');
        const issues = validateResource(JSON.parse(allowComments ? stripJsonComments(text) : text), options);
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
      disagreed.add(c.name);
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
    assert.deepEqual(Object.keys(REASONS).filter((name) => !disagreed.has(name)), [], 'no reason is left for a case that agrees');
    assert.ok(agreedInScope / inScope >= 0.9, `default-option agreement ${percent(agreedInScope, inScope)}%`);
    assert.ok(agreed / cases.length >= 0.9, `overall agreement ${percent(agreed, cases.length)}%`);
  });
});

/**
 * The options of a manifest entry that this validator implements, as the Java harness sets them on its validator:
 * security-checks, examples, noHtmlInMarkdown, validateContains and allowed-extension-domain(s) become
 * validateResource options; allow-comments is the parser's, so the harness strips the comments itself.
 */
function harnessOptions(entry: Record<string, unknown>): { options: ValidateOptions; allowComments: boolean } {
  const options: ValidateOptions = {};
  if (typeof entry['security-checks'] === 'boolean') options.securityChecks = entry['security-checks'];
  if (typeof entry.examples === 'boolean') options.allowExampleUrls = entry.examples;
  if (typeof entry.noHtmlInMarkdown === 'boolean') options.noHtmlInMarkdown = entry.noHtmlInMarkdown;
  if (entry.validateContains === 'IGNORE') options.validateContained = false;
  const domains = [entry['allowed-extension-domain'], entry['allowed-extension-domains']].flat();
  if (domains.some((d) => typeof d === 'string')) options.extensionDomains = domains.filter((d) => typeof d === 'string');
  return { options, allowComments: entry['allow-comments'] === true };
}

/** JSON with `//` and `/* *\/` comments outside strings made into JSON; line breaks stay, so positions still help. */
function stripJsonComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      out += text.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Why a case is left out of the default-options figure, decided from the case alone: the Java validator was run
 * with options (allow-comments, examples=false, security-checks, ...: those this validator shares too, so the
 * figure measures the defaults), or every error it reported is a terminology finding.
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
