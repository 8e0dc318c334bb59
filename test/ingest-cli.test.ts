/** `vitrine ingest --config site.json`: the rule set, key file and data dir come from the site config; `--report` reads the result. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const BIN = path.resolve(import.meta.dirname, '../bin/vitrine.js');

const patient = (i: number) => ({ resourceType: 'Patient', id: `cli-p${i}`, name: [{ family: `Hollowmere${i}` }], gender: 'female', birthDate: '1975-05-17', address: [{ line: ['3 Quarry Rd'], postalCode: '02139' }] });

async function storedText(dir: string): Promise<string> {
  const texts = await Promise.all((await readdir(dir)).filter((f) => !f.endsWith('.lock')).map((f) => readFile(path.join(dir, f), 'utf8').catch(() => '')));
  return texts.join('\n');
}

describe('vitrine ingest --config', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vitrine-ingest-cli-'));
    await writeFile(path.join(dir, 'site.deid-key'), 'cli-test-key-0123456789abcdef\n');
    await writeFile(path.join(dir, 'site.json'), JSON.stringify({ name: 'cli-site', dataDir: 'data', deid: { rules: 'limited-shift', keyFile: 'site.deid-key' } }));
    await writeFile(path.join(dir, 'patients.ndjson'), `${[0, 1, 2].map((i) => JSON.stringify(patient(i))).join('\n')}\n`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('takes the rule set, the key file and the data dir from the site config', async () => {
    const env = { ...process.env, VITRINE_DEID_KEY: '' };
    const { stdout } = await run('node', [BIN, 'ingest', '--config', path.join(dir, 'site.json'), '--json', path.join(dir, 'patients.ndjson')], { env });
    const summary = JSON.parse(stdout) as { ruleSet: { name: string }; totals: { written: number; refused: number } };
    assert.equal(summary.ruleSet.name, 'limited-shift');
    assert.equal(summary.totals.written, 3);
    const stored = await storedText(path.join(dir, 'data'));
    assert.ok(stored.length > 0, 'the data dir named by the config holds the store');
    for (const value of ['Hollowmere', 'Quarry', 'cli-p0', 'cli-test-key']) assert.ok(!stored.includes(value), `${value} was stored`);

    const report = await run('node', [BIN, 'ingest', '--config', path.join(dir, 'site.json'), '--report', '--k', '5', '--json'], { env });
    const risk = JSON.parse(report.stdout) as { patients: number; classes: number; classesBelowK: number; patientsBelowK: number };
    assert.equal(risk.patients, 3);
    assert.equal(risk.patientsBelowK, 3); // three patients cannot make a class of five
    assert.equal(risk.classesBelowK, risk.classes);
  });

  it('stops with the reason when the config names a key file that is not there', async () => {
    await writeFile(path.join(dir, 'nokey.json'), JSON.stringify({ name: 'cli-site', dataDir: 'data2', deid: { keyFile: 'missing.key' } }));
    await assert.rejects(
      run('node', [BIN, 'ingest', '--config', path.join(dir, 'nokey.json'), path.join(dir, 'patients.ndjson')], { env: { ...process.env, VITRINE_DEID_KEY: '' } }),
      (err: { stderr: string }) => /Cannot read the de-identification key file .*missing\.key/.test(err.stderr),
    );
  });
});
