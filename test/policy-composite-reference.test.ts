/** An aggregate caller cannot single out a record through a composite whose first part names a resource. */
import assert from 'node:assert/strict';
import { assertSearchAllowed } from '../server/policy/allow-list.ts';
import { loadPolicy, policyFrom } from '../server/policy/policy.ts';
import { parseSearchRequest } from '../server/search/parse.ts';

describe('disclosure policy: composites naming a resource', () => {
  it('refuses DocumentReference?relationship=DocumentReference/x$replaces even where relationship is allow-listed', () => {
    const base = JSON.parse(JSON.stringify(loadPolicy()));
    base.allow.searchParameters.DocumentReference = ['relationship', 'status'];
    const policy = policyFrom(base);
    const named = parseSearchRequest('DocumentReference', [['relationship', 'DocumentReference/d0$replaces'], ['_summary', 'count']]);
    assert.throws(() => assertSearchAllowed(named, policy), /filter-not-allowed|singles out/);
    const plain = parseSearchRequest('DocumentReference', [['status', 'current'], ['_summary', 'count']]);
    assert.doesNotThrow(() => assertSearchAllowed(plain, policy));
  });
});
