/** The embedded store's inverted index keeps each key's documents per type, through adds, removals and re-adds. */
import assert from 'node:assert/strict';
import { InvertedIndex } from '../server/store/embedded/inverted-index.ts';

describe('embedded store: inverted index', () => {
  const ids = ['Observation/o1', 'Condition/c1', 'Observation/o2', 'Observation/o3'];
  const index = () => new InvertedIndex((id) => ids.indexOf(id), (n) => ids[n]);
  const lookup = (i: InvertedIndex, type: string) => [...i.lookup('tok', 'code|*|x', type)];

  it('finds a key added again to a type whose documents had all lost it', () => {
    const i = index();
    i.replace('tok', [], ['code|*|x'], 1, 'Condition'); // the key outlives its Observation list
    i.replace('tok', [], ['code|*|x'], 0, 'Observation');
    i.replace('tok', ['code|*|x'], [], 0, 'Observation');
    assert.deepEqual(lookup(i, 'Observation'), []);
    i.replace('tok', [], ['code|*|x'], 2, 'Observation');
    i.replace('tok', [], ['code|*|x'], 3, 'Observation');
    assert.deepEqual(lookup(i, 'Observation'), ['Observation/o2', 'Observation/o3']);
    assert.deepEqual(lookup(i, 'Condition'), ['Condition/c1']);
  });

  it('gives every document of a key the one shared key string, and keeps the keys an update leaves alone', () => {
    const i = index();
    const first = i.replace('tok', [], [`code|*|${'x'}`, 'status||final'], 0, 'Observation');
    const second = i.replace('tok', [], [['code', '*', 'x'].join('|')], 2, 'Observation');
    assert.equal(second[0], first[0]);
    i.replace('tok', first, ['status||final'], 0, 'Observation');
    assert.deepEqual(lookup(i, 'Observation'), ['Observation/o2']);
    assert.deepEqual([...i.lookup('tok', 'status||final', 'Observation')], ['Observation/o1']);
  });
});
