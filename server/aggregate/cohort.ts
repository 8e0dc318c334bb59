/**
 * Cohorts: the subjects an `application/x-fhir-query` selects, found in-process through server/search/ (never
 * over HTTP). A Patient query selects its matches; a query on another type selects the patients its matches
 * belong to (`subject` or `patient`).
 */
import type { OperationOutcomeIssue, Patient } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.ts';
import { badRequest } from '../fhir/outcomes.ts';
import { searchResources } from '../search/execute.ts';
import { parseSearchRequest } from '../search/parse.ts';
import type { SearchRequest } from '../search/search-request.ts';
import { canonicalSet } from '../policy/canonical-query.ts';

export interface ParsedCohortQuery {
  type: string;
  request: SearchRequest;
  /** Canonical text of the query (filter order and parameter spelling of equal meaning do not change it). */
  canonical: string;
}

/** Parses "Patient?gender=female" (a leading slash or base URL is tolerated). */
export function parseCohortQuery(query: string, expression = 'criteria'): ParsedCohortQuery {
  const m = /^(?:.*\/)?([A-Z][A-Za-z]+)(?:\?(.*))?$/s.exec(query.trim());
  if (!m) throw badRequest(`Not a FHIR query: "${query.slice(0, 200)}" (expected Type?param=value...)`, expression);
  const params = [...new URLSearchParams(m[2] ?? '')].filter(([name]) => !['_count', '_offset', '_sort', '_summary', '_total', '_format'].includes(name));
  const request = parseSearchRequest(m[1], params, { strict: true });
  return { type: m[1], request, canonical: `${m[1]}?${canonicalSet(request.filters).join('&')}` };
}

export interface Cohort {
  /** Patient ids. */
  ids: Set<string>;
  /** The Patient resources, when the query was on Patient (the stratifiers need them). */
  patients?: Map<string, Patient>;
  warnings: OperationOutcomeIssue[];
}

/** Every subject a parsed query selects; `idsOnly` skips parsing the Patient resources (narrowing criteria need none). */
export async function evaluateCohort(ctx: FhirContext, parsed: ParsedCohortQuery, idsOnly = false): Promise<Cohort> {
  const request: SearchRequest = { ...parsed.request, count: Number.MAX_SAFE_INTEGER, offset: 0, sort: [], summary: undefined, total: 'none', include: [], revinclude: [] };
  const result = await searchResources(ctx.store, request);
  const ids = new Set<string>();
  if (parsed.type === 'Patient' && idsOnly) {
    for (const v of result.matches) ids.add(v.id);
    return { ids, warnings: result.warnings };
  }
  if (parsed.type === 'Patient') {
    const patients = new Map<string, Patient>();
    for (const v of result.matches) {
      ids.add(v.id);
      patients.set(v.id, JSON.parse(v.json) as Patient);
    }
    return { ids, patients, warnings: result.warnings };
  }
  for (const v of result.matches) {
    const r = JSON.parse(v.json) as { subject?: { reference?: string }; patient?: { reference?: string } };
    const ref = r.subject?.reference ?? r.patient?.reference;
    const m = ref ? /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(ref) : null;
    if (m) ids.add(m[1]);
  }
  return { ids, warnings: result.warnings };
}

/** The Patient resources of ids not loaded yet. */
export async function loadPatients(ctx: FhirContext, ids: Iterable<string>, known = new Map<string, Patient>()): Promise<Map<string, Patient>> {
  const missing = [...ids].filter((id) => !known.has(id));
  if (missing.length > 0) {
    const found = await ctx.store.find({ filter: { type: 'Patient', deleted: false, id: { $in: missing } } });
    for (const v of found) known.set(v.id, JSON.parse(v.json) as Patient);
  }
  return known;
}
