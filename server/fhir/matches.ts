/** Search criteria of conditional interactions: https://hl7.org/fhir/R4/http.html#ccreate */
import { searchResources } from '../search/execute.ts';
import { parseSearchRequest } from '../search/parse.ts';
import type { StoredVersion } from '../store/types.ts';
import type { FhirContext, SearchPairs } from './context.ts';
import { badRequest, multipleMatches } from './outcomes.ts';

export function queryPairs(query: string): SearchPairs {
  return [...new URLSearchParams(query.startsWith('?') ? query.slice(1) : query)];
}

/** The resources matching conditional criteria; unknown parameters are an error here, never silently ignored. */
export async function findMatches(ctx: FhirContext, type: string, criteria: SearchPairs, limit = 2): Promise<StoredVersion[]> {
  const pairs = criteria.filter(([name]) => name !== '_format' && name !== '_pretty');
  if (pairs.length === 0) throw badRequest(`Conditional ${type} request without search criteria`);
  const request = parseSearchRequest(type, [...pairs, ['_count', String(limit)]], { strict: true });
  const result = await searchResources(ctx.store, request);
  return result.matches;
}

/** The single match of conditional criteria, undefined for none, 412 for several. */
export async function findSingleMatch(ctx: FhirContext, type: string, criteria: SearchPairs): Promise<StoredVersion | undefined> {
  const matches = await findMatches(ctx, type, criteria);
  if (matches.length > 1) throw multipleMatches(`More than one ${type} matches ${new URLSearchParams(criteria)}`);
  return matches[0];
}
