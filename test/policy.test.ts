/** The disclosure policy's parts: file validation, suppression, keyed noise, the ledger. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DisclosureControl } from '../server/policy/disclosure-control.ts';
import { noiseDraw } from '../server/policy/noise.ts';
import { loadPolicy, PolicyError, policyFrom } from '../server/policy/policy.ts';
import { ReleaseLedger } from '../server/policy/release-ledger.ts';
import { decideSuppression } from '../server/policy/suppression.ts';

const KEY = Buffer.alloc(32, 1);
const caller = { clientId: 'r', role: 'aggregate' };

describe('disclosure policy', () => {
  it('the default policy validates, with k = 11 and zeros hidden', () => {
    const policy = loadPolicy();
    assert.equal(policy.minCellSize, 11);
    assert.equal(policy.showZero, false);
  });

  it('an invalid policy stops with a message naming the field', () => {
    assert.throws(() => policyFrom({ minCellSize: 0 }), (err: Error) => err instanceof PolicyError && err.message.includes('/minCellSize'));
    assert.throws(() => policyFrom({ noise: { mechanism: 'laplace' } }), PolicyError);
    assert.throws(() => loadPolicy('/nonexistent/policy.json'), /Cannot read disclosure policy/);
  });

  it('primary suppression hides 1..k-1 and zero; complementary suppression hides a second cell', () => {
    const cells = [{ id: 'T', trueValue: 60 }, { id: 'a', trueValue: 3 }, { id: 'b', trueValue: 20 }, { id: 'c', trueValue: 37 }];
    const hidden = decideSuppression(cells, [{ total: 'T', members: ['a', 'b', 'c'] }], 11, false);
    assert.deepEqual([...hidden], [['a', 'primary'], ['b', 'complementary']]);
    const withZero = decideSuppression([{ id: 'T', trueValue: 20 }, { id: 'a', trueValue: 0 }, { id: 'b', trueValue: 20 }], [{ total: 'T', members: ['a', 'b'] }], 11, true);
    assert.equal(withZero.size, 0, 'a shown zero needs no partner');
  });

  it('complementary suppression reaches the total when no member is left', () => {
    const hidden = decideSuppression([{ id: 'T', trueValue: 15 }, { id: 'a', trueValue: 15 }, { id: 'b', trueValue: 0 }], [{ total: 'T', members: ['a', 'b'] }], 11, false);
    assert.equal(hidden.get('a'), 'complementary');
  });

  it('the noise draw is fixed by (caller, query, cell, true value) and changes with any of them', () => {
    const noise = { mechanism: 'laplace' as const, epsilon: 0.5 };
    const base = { caller: 'r', query: 'q', cell: 'total', trueValue: 40 };
    assert.equal(noiseDraw(noise, KEY, base), noiseDraw(noise, KEY, base));
    const others = [{ ...base, caller: 's' }, { ...base, query: 'q2' }, { ...base, trueValue: 41 }].map((d) => noiseDraw(noise, KEY, d));
    assert.ok(others.every((v) => v !== noiseDraw(noise, KEY, base)));
    assert.notEqual(noiseDraw(noise, Buffer.alloc(32, 2), base), noiseDraw(noise, KEY, base), 'another key, another draw');
  });

  it('Laplace draws are centred with the right spread, and clamped', () => {
    const noise = { mechanism: 'laplace' as const, epsilon: 0.5, clamp: 10 };
    const draws = Array.from({ length: 4000 }, (_, i) => noiseDraw(noise, KEY, { caller: 'r', query: 'q', cell: String(i), trueValue: 1 }));
    const mean = draws.reduce((s, v) => s + v, 0) / draws.length;
    const meanAbs = draws.reduce((s, v) => s + Math.abs(v), 0) / draws.length;
    assert.ok(Math.abs(mean) < 0.3, `mean ${mean}`);
    assert.ok(meanAbs > 1.5 && meanAbs < 2.2, `mean |x| ${meanAbs} (b = 2)`);
    assert.ok(draws.every((v) => Math.abs(v) <= 10));
  });

  it('released counts are rounded, at least k, and never a suppressed true value', async () => {
    const control = await DisclosureControl.open(policyFrom({ rounding: 10 }), undefined, KEY);
    const { values, applied } = await control.release({ caller, operation: 'op', query: 'q', counts: [{ id: 'a', trueValue: 12 }, { id: 'b', trueValue: 4 }], relations: [], releases: 1 });
    const a = values.get('a')!;
    assert.ok('value' in a && a.value % 10 === 0 && a.value >= 11);
    assert.deepEqual(values.get('b'), { suppressed: 'primary' });
    assert.equal(applied.roundedTo, 10);
    assert.equal(applied.epsilonSpent, 0.5);
  });

  it('the ledger survives a restart and a tampered line breaks its chain', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-ledger-'));
    try {
      const control = await DisclosureControl.open(loadPolicy(), dir);
      await control.release({ caller, operation: 'op', query: 'q1', counts: [{ id: 'a', trueValue: 30 }], relations: [], releases: 1 });
      await control.release({ caller, operation: 'op', query: 'q2', counts: [{ id: 'a', trueValue: 40 }], relations: [], releases: 2 });
      await control.close();
      const reopened = await DisclosureControl.open(loadPolicy(), dir);
      assert.equal(reopened.ledger.spent('r', reopened.periodKey()), 1.5);
      assert.equal(reopened.ledger.verifyChain(), true);
      await reopened.close();
      const file = path.join(dir, 'disclosure', 'ledger.jsonl');
      await writeFile(file, (await readFile(file, 'utf8')).replace('"cost":0.5', '"cost":0'));
      const tampered = new ReleaseLedger(file);
      await tampered.open();
      assert.equal(tampered.verifyChain(), false);
      await tampered.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the PRF key persists in the data dir, so draws stay fixed across restarts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-key-'));
    try {
      const policy = policyFrom({ rounding: 1, budget: { perPeriod: 100 } });
      const release = async () => {
        const control = await DisclosureControl.open(policy, dir);
        const { values } = await control.release({ caller, operation: 'op', query: 'q', counts: [{ id: 'a', trueValue: 50 }], relations: [], releases: 1 });
        await control.close();
        return values.get('a');
      };
      assert.deepEqual(await release(), await release());
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
