/**
 * `_list=id`: the resources a stored List names in its entries (deleted entries left out), as ids of the searched
 * types. A List that does not exist has no members. https://hl7.org/fhir/R4/search.html#list
 */
import type { List } from '@medplum/fhirtypes';
import type { Store } from '../store/types.ts';
import { parseReference } from './index-keys.ts';
import type { ParameterFilter } from './search-request.ts';

/** The ids of the List's members whose type is one of `types` (any type when undefined). */
export async function listMembers(store: Store, filter: ParameterFilter, types: string[] | undefined): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const value of filter.values) {
    if (value.kind !== 'token' || !value.code) continue;
    const stored = await store.read('List', value.code);
    if (!stored || stored.deleted) continue;
    const list = JSON.parse(stored.json) as List;
    for (const entry of list.entry ?? []) {
      if (entry.deleted) continue;
      const typed = entry.item?.reference ? parseReference(entry.item.reference) : undefined;
      if (typed && (!types || types.includes(typed.type))) ids.add(typed.id);
    }
  }
  return ids;
}
