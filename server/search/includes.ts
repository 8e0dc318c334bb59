/**
 * `_include` and `_revinclude`, with `:iterate` (to any depth) and `*`. https://hl7.org/fhir/R4/search.html#include
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcomes.ts';
import type { Store, StoredVersion } from '../store/types.ts';
import { evaluateSearchParameter } from './extract.ts';
import { parseReference, referenceKey } from './index-keys.ts';
import { getSearchParameter, getSearchParameters } from './registry.ts';
import type { IncludeTarget, SearchRequest } from './search-request.ts';

export const MAX_INCLUDED = 1000;

/** The resources the matches include or are referenced by, without duplicates or the matches themselves. */
export async function findIncludedResources(
  store: Store,
  request: SearchRequest,
  matches: StoredVersion[],
  warnings: OperationOutcomeIssue[],
): Promise<StoredVersion[]> {
  if (request.include.length === 0 && request.revinclude.length === 0) return [];
  const seen = new Set(matches.map((v) => `${v.type}/${v.id}`));
  const included: StoredVersion[] = [];
  let frontier = matches;
  // `:iterate` follows the new resources round after round until a round finds nothing new (every resource is
  // taken once, so this ends) or the include limit is reached.
  for (let round = 0; frontier.length > 0; round++) {
    const active = (list: IncludeTarget[]) => list.filter((t) => round === 0 || t.iterate);
    if (round > 0 && active(request.include).length + active(request.revinclude).length === 0) break;
    const found = [
      ...(await forwardIncludes(store, active(request.include), frontier)),
      ...(await reverseIncludes(store, active(request.revinclude), frontier)),
    ];
    frontier = [];
    for (const version of found) {
      const key = `${version.type}/${version.id}`;
      if (seen.has(key) || version.deleted) continue;
      seen.add(key);
      if (included.length >= MAX_INCLUDED) {
        warnings.push(issue('warning', 'too-costly', `More than ${MAX_INCLUDED} included resources; the rest were left out`));
        return included;
      }
      included.push(version);
      frontier.push(version);
    }
  }
  return included;
}

async function forwardIncludes(store: Store, targets: IncludeTarget[], from: StoredVersion[]): Promise<StoredVersion[]> {
  const wanted = new Set<string>();
  for (const version of from) {
    const relevant = targets.filter((t) => t.type === '*' || t.type === version.type);
    if (relevant.length === 0) continue;
    const resource = JSON.parse(version.json) as Resource;
    for (const target of relevant) {
      const defs = target.code === '*'
        ? getSearchParameters(version.type).filter((d) => d.type === 'reference')
        : [getSearchParameter(version.type, target.code)].filter((d) => d !== undefined);
      for (const def of defs) {
        for (const value of evaluateSearchParameter(resource, def)) {
          const ref = typeof value === 'object' && value ? (value as { reference?: unknown }).reference : undefined;
          const typed = typeof ref === 'string' ? parseReference(ref) : undefined;
          if (typed && (!target.targetType || target.targetType === typed.type)) wanted.add(`${typed.type}/${typed.id}`);
        }
      }
    }
  }
  const reads = await Promise.all([...wanted].map((key) => store.read(key.split('/')[0], key.split('/')[1])));
  return reads.filter((v): v is StoredVersion => v !== undefined && !v.deleted);
}

async function reverseIncludes(store: Store, targets: IncludeTarget[], from: StoredVersion[]): Promise<StoredVersion[]> {
  const found: StoredVersion[] = [];
  for (const target of targets) {
    if (target.type === '*') continue;
    const codes = target.code === '*'
      ? getSearchParameters(target.type).filter((d) => d.type === 'reference').map((d) => d.code)
      : [target.code];
    const keys = from.flatMap((v) => codes.map((code) => referenceKey(code, `${v.type}/${v.id}`)));
    if (keys.length === 0) continue;
    found.push(...(await store.find({ filter: { deleted: false, type: target.type, ref: { $in: keys } }, sort: [['_id', 1]], limit: MAX_INCLUDED + 1 })));
  }
  return found;
}
