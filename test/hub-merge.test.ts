/** The hub's merges: exact pooling where the numbers allow it, and its policy over the merged cells. */
import assert from 'node:assert/strict';
import type { MeasureReport, Observation } from '@medplum/fhirtypes';
import { hubConfigFrom } from '../server/config/hub-config.ts';
import { mergeCellParts } from '../server/federation/merge-cells.ts';
import { mergeHistograms } from '../server/federation/merge-histograms.ts';
import { mergeMeasureReports, SUPPRESSED_EXTENSION } from '../server/federation/merge-measure-reports.ts';
import { mergeStatistics } from '../server/federation/merge-statistics.ts';

const policy = (over: object = {}) => hubConfigFrom({ name: 'h', sites: [{ name: 's', url: 'http://x/fhir' }], policy: over }, 'test').policy;
const POP = 'http://terminology.hl7.org/CodeSystem/measure-population';

function report(total: number | 'suppressed', strata: [string, number | 'suppressed'][]): MeasureReport {
  const population = (n: number | 'suppressed') =>
    n === 'suppressed' ? [{ code: { coding: [{ system: POP, code: 'initial-population' }] }, extension: [{ url: SUPPRESSED_EXTENSION, valueCode: 'primary' }] }] : [{ code: { coding: [{ system: POP, code: 'initial-population' }] }, count: n }];
  return {
    resourceType: 'MeasureReport',
    status: 'complete',
    type: 'summary',
    measure: 'http://example.org/Measure/m',
    period: { start: '2020-01-01', end: '2020-12-31' },
    group: [{ population: population(total), stratifier: [{ code: [{ text: 'gender' }], stratum: strata.map(([v, n]) => ({ value: { text: v }, population: population(n) })) }] }],
  };
}

const count = (r: MeasureReport, stratum?: string) => {
  const g = r.group![0];
  const p = stratum ? g.stratifier![0].stratum!.find((s) => s.value?.text === stratum)!.population![0] : g.population![0];
  return p.count ?? (p.extension?.some((e) => e.url === SUPPRESSED_EXTENSION) ? 'suppressed' : undefined);
};

describe('hub merges', () => {
  it('adds MeasureReport populations and strata across sites, matching strata by value', () => {
    const merged = mergeMeasureReports([report(40, [['female', 25], ['male', 15]]), report(30, [['female', 12], ['male', 18]])], policy());
    assert.equal(count(merged), 70);
    assert.equal(count(merged, 'female'), 37);
    assert.equal(count(merged, 'male'), 33);
  });

  it('suppresses a merged stratum below the hub minimum and one more, so it cannot be recovered from the total', () => {
    const merged = mergeMeasureReports([report(60, [['female', 55], ['male', 3], ['other', 2]]), report(20, [['female', 18], ['male', 2]])], policy({ suppressedSites: 'suppress' }));
    // male 5 and other 2 are below 11: both hidden; the total stays.
    assert.equal(count(merged), 80);
    assert.equal(count(merged, 'male'), 'suppressed');
    assert.equal(count(merged, 'other'), 'suppressed');
    assert.equal(count(merged, 'female'), 73);
    const single = mergeMeasureReports([report(60, [['female', 55], ['male', 5]]), report(30, [['female', 25], ['male', 5]])], policy());
    // male 10 < 11 is hidden, so female (the only other member) must be hidden too: else 90 - 80 = 10.
    assert.equal(count(single, 'male'), 'suppressed');
    assert.equal(count(single, 'female'), 'suppressed');
  });

  it('reports a cell that a site suppressed as at-least (or suppressed, per policy), never naming the site', () => {
    const reports = [report(40, [['female', 30], ['male', 10]]), report('suppressed', [['female', 'suppressed'], ['male', 'suppressed']]), report(50, [['female', 20], ['male', 30]])];
    const atLeast = mergeMeasureReports(reports, policy({ suppressedSites: 'at-least' }));
    assert.equal(count(atLeast), 90);
    const total = atLeast.group![0].population![0];
    assert.ok(total.extension?.some((e) => e.url.endsWith('federation-at-least')));
    const suppressed = mergeMeasureReports(reports, policy({ suppressedSites: 'suppress' }));
    assert.equal(count(suppressed), 'suppressed');
    assert.doesNotMatch(JSON.stringify(atLeast), /site-|"site"/);
  });

  it('complementary suppression is not needed where an at-least cell already makes the subtraction inexact', () => {
    const parts = new Map([
      ['total', { sum: 100, incomplete: true }],
      ['a', { sum: 95, incomplete: false }],
      ['b', { sum: 5, incomplete: false }],
    ]);
    const merged = mergeCellParts(parts, [{ total: 'total', members: ['a', 'b'] }], policy());
    assert.equal(merged.get('b')!.suppressed, 'hub-primary');
    assert.equal(merged.get('a')!.value, 95);
    assert.equal(merged.get('total')!.atLeast, true);
  });

  it('pools mean and standard deviation exactly from count, sum and sum of squares', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    const b = [20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30];
    const stats = (values: number[]): Observation => ({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      component: [
        ['count', values.length],
        ['average', values.reduce((s, v) => s + v, 0) / values.length],
        ['std-dev', 0],
        ['sum', values.reduce((s, v) => s + v, 0)],
        ['sum-of-squares', values.reduce((s, v) => s + v * v, 0)],
      ].map(([code, value]) => ({ code: { coding: [{ code: code as string }] }, valueQuantity: { value: value as number } })),
    });
    const { observation } = mergeStatistics([stats(a), stats(b)], policy());
    const all = [...a, ...b];
    const mean = all.reduce((s, v) => s + v, 0) / all.length;
    const sd = Math.sqrt(all.reduce((s, v) => s + (v - mean) ** 2, 0) / (all.length - 1));
    const get = (code: string) => observation.component!.find((c) => c.code.coding![0].code === code)!.valueQuantity!.value!;
    assert.equal(get('count'), all.length);
    assert.ok(Math.abs(get('average') - mean) < 1e-3);
    assert.ok(Math.abs(get('std-dev') - sd) < 1e-3);
  });

  it('adds histogram bins with the same edges and suppresses small merged bins', () => {
    const histogram = (total: number, bins: [number, number, number][]) => ({
      resourceType: 'Parameters' as const,
      parameter: [
        { name: 'total', valueInteger: total },
        ...bins.map(([low, high, n]) => ({ name: 'bin', part: [{ name: 'low', valueDecimal: low }, { name: 'high', valueDecimal: high }, { name: 'count', valueInteger: n }] })),
      ],
    });
    const merged = mergeHistograms([histogram(40, [[0, 10, 20], [10, 20, 15], [20, 30, 5]]), histogram(30, [[0, 10, 10], [10, 20, 15], [20, 30, 5]])], policy());
    const counts = merged.filter((p) => p.name === 'bin').map((b) => b.part!.find((p) => p.name === 'count')!.valueInteger);
    assert.equal(merged[0].valueInteger, 70);
    // 20..30 adds up to 10 (< 11): hidden; one more bin is hidden so that it cannot be recovered from the total.
    assert.equal(counts[2], undefined);
    assert.equal(counts.filter((c) => c === undefined).length, 2);
    assert.ok(counts.includes(30));
  });
});
