/** A worker's prepared batch survives the trip to the main thread in its posted form (its strings joined into one). */
import assert from 'node:assert/strict';
import { fromPostedUnits, toPostedUnits } from '../server/ingest/posted-units.ts';
import type { PreparedUnits } from '../server/ingest/prepare-unit.ts';
import { emptyIndexEntries } from '../server/store/types.ts';

describe('posted units', () => {
  it('gives back every resource as it was, with or without coded index entries and their table', () => {
    const resource = (id: string, indexCoded?: string) => ({ type: 'Observation', id, metaHead: id === 'c' ? '{' : `{"tag":[{"code":"${id}"}]`, rest: id === 'd' ? '{}' : '{"status":"final"}', ...(indexCoded === undefined ? { index: emptyIndexEntries() } : { indexCoded }) });
    const prepared: PreparedUnits = {
      read: { Observation: 4, '(unreadable)': 1 },
      refusals: [{ type: '(unreadable)', reason: 'x: not readable JSON' }],
      resources: [resource('a', '[[0],[1]]'), resource('b'), resource('c', '[[],[]]'), resource('d', '[[],[2]]')],
      indexTable: '["é \\"q\\"","b","c"]',
    };
    const posted = toPostedUnits(structuredClone(prepared));
    assert.equal(typeof posted.text, 'string');
    assert.ok(posted.resources.every((r) => !('indexCoded' in r) && !('metaHead' in r) && !('rest' in r)));
    assert.deepEqual(fromPostedUnits(structuredClone(posted)), prepared);
  });
});
