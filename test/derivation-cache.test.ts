import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cachedDerivation } from '../server/validation/derivation-cache.ts';
import { coreDefinitions, readCoreDefinitions } from '../server/validation/definitions.ts';
import { fhirSchema, readFhirSchema } from '../server/validation/fhir-schema.ts';

describe('derivation cache (data derived from large files, kept between processes)', () => {
  let dir: string;
  let input: string;
  const saved = process.env.VITRINE_CACHE_DIR;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vitrine-cache-'));
    input = path.join(dir, 'input.json');
    await writeFile(input, '{"a":1}');
    process.env.VITRINE_CACHE_DIR = path.join(dir, 'cache');
  });
  afterEach(async () => {
    if (saved === undefined) delete process.env.VITRINE_CACHE_DIR;
    else process.env.VITRINE_CACHE_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  });

  const inputs = () => ({ files: [input], code: [import.meta.url] });
  const derivingCount = () => {
    let calls = 0;
    return { derive: () => (calls++, new Map([['k', { n: 1, missing: undefined, set: new Set(['x']) }]])), calls: () => calls };
  };

  it('derives once, then reads back an equal value', () => {
    const counter = derivingCount();
    const first = cachedDerivation('t', inputs(), counter.derive);
    const second = cachedDerivation('t', inputs(), counter.derive);
    assert.equal(counter.calls(), 1);
    assert.deepEqual(second, first);
    assert.ok(second.get('k')!.set.has('x'));
  });

  it('derives again when an input file changes, and drops the entry it replaces', async () => {
    const counter = derivingCount();
    cachedDerivation('t', inputs(), counter.derive);
    cachedDerivation('t-other', inputs(), counter.derive); // a name that starts the same is another entry's
    await writeFile(input, '{"a":22}');
    cachedDerivation('t', inputs(), counter.derive);
    assert.equal(counter.calls(), 3);
    const entries = await readdir(path.join(dir, 'cache'));
    assert.equal(entries.filter((f) => /^t-[0-9a-f]+\.v8$/.test(f)).length, 1);
    assert.equal(entries.filter((f) => f.startsWith('t-other-')).length, 1);
  });

  it('derives again when the package holding an input changes version, whatever the file sizes and times', async () => {
    const counter = derivingCount();
    await writeFile(path.join(dir, 'package.json'), '{"name":"defs","version":"1.0.1"}');
    cachedDerivation('t', inputs(), counter.derive);
    await writeFile(path.join(dir, 'package.json'), '{"name":"defs","version":"1.0.2"}'); // npm sets one mtime for all
    cachedDerivation('t', inputs(), counter.derive);
    cachedDerivation('t', inputs(), counter.derive);
    assert.equal(counter.calls(), 2);
  });

  it('derives again when the entry is damaged', async () => {
    const counter = derivingCount();
    cachedDerivation('t', inputs(), counter.derive);
    const [entry] = await readdir(path.join(dir, 'cache'));
    await writeFile(path.join(dir, 'cache', entry), 'not a serialized value');
    assert.deepEqual(cachedDerivation('t', inputs(), counter.derive).get('k')!.n, 1);
    assert.equal(counter.calls(), 2);
  });

  it('derives every time when turned off, and when an input cannot be read', () => {
    process.env.VITRINE_CACHE_DIR = 'off';
    const counter = derivingCount();
    cachedDerivation('t', inputs(), counter.derive);
    cachedDerivation('t', inputs(), counter.derive);
    process.env.VITRINE_CACHE_DIR = path.join(dir, 'cache');
    cachedDerivation('t', { files: [path.join(dir, 'missing.json')], code: [] }, counter.derive);
    cachedDerivation('t', { files: [path.join(dir, 'missing.json')], code: [] }, counter.derive);
    assert.equal(counter.calls(), 4);
  });

  it('gives the core definitions and the FHIR schema exactly as derived from the files', () => {
    // This process's copies were read back from the cache when an earlier process had made them.
    assert.deepEqual(coreDefinitions(), readCoreDefinitions());
    assert.deepEqual(fhirSchema(), readFhirSchema());
  });

  it('gives validators that, read back, report what the compiled ones report', () => {
    // Two processes over one cache: the first compiles the validators and keeps their code, the second loads it.
    // Patient's is in the module of the grouped types (structure.ts GROUPED_TYPES), Account's in a module of its own.
    const script = `
      import { checkStructure } from ${JSON.stringify(new URL('../server/validation/structure.ts', import.meta.url).href)};
      const bad = { resourceType: 'Patient', id: 'p 1', gender: 'martian', birthDate: '2023-02-31', active: 'yes', name: [{ given: [7] }], extra: 1 };
      const badAccount = { resourceType: 'Account', status: 'shut', name: 7, extra: 1 };
      process.stdout.write(JSON.stringify([checkStructure(bad, 'Patient'), checkStructure({ resourceType: 'Patient', gender: 'male' }, 'Patient'), checkStructure(badAccount, 'Account')]));
    `;
    const run = () => execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env }, encoding: 'utf8' });
    const compiled = run();
    const kept = readdirSync(path.join(dir, 'cache'));
    assert.ok(kept.some((f) => f.startsWith('validators-grouped-')), 'the first process kept the grouped types\' code');
    assert.ok(kept.some((f) => f.startsWith('validator-Account-')), 'the first process kept the code of a type outside the group');
    const loaded = run();
    assert.equal(loaded, compiled);
    const [issues, none, accountIssues] = JSON.parse(compiled) as [unknown[], unknown[], unknown[]];
    assert.ok(issues.length >= 6, compiled);
    assert.deepEqual(none, []);
    assert.equal(accountIssues.length, 3, compiled);
  });
});
