/**
 * Cohorts: the subjects an `application/x-fhir-query` selects, found in-process through server/search/ (never
 * over HTTP). A Patient query selects its matches; a query on another type selects the patients its matches
 * belong to (`subject` or `patient`). Only ids are collected — from the index (Store.matchKeys,
 * Store.referenceKeys) where the store offers it — with no sort and no paging, and the Patients' `gender` and
 * `birthdate` sort keys come along for the stratifiers that can use them (subject-table.ts).
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { FhirContext } from '../fhir/context.ts';
import { badRequest, issue, OperationOutcomeError, outcome } from '../fhir/outcomes.ts';
import { compileFilter } from '../search/compile.ts';
import { parseReference, referenceKey } from '../search/index-keys.ts';
import { parseSearchRequest } from '../search/parse.ts';
import { MAX_CHAIN_MATCHES, resolveChainedFilters } from '../search/resolve-chains.ts';
import type { ParameterFilter, ResolvedFilter, SearchRequest } from '../search/search-request.ts';
import type { Filter } from '../store/types.ts';
import { canonicalSet } from '../policy/canonical-query.ts';
import type { SubjectTable } from './subject-table.ts';

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
  warnings: OperationOutcomeIssue[];
}

/**
 * Every subject a parsed query selects; a Patient query also fills `table` with what its stratifiers need.
 * `within`: only these subjects matter (a population nested in another), which lets a Patient query made of
 * `_has` conditions alone be answered from the referencing resources' index without a second query.
 */
export async function evaluateCohort(ctx: FhirContext, parsed: ParsedCohortQuery, table?: SubjectTable, within?: Set<string>): Promise<Cohort> {
  const warnings: OperationOutcomeIssue[] = [];
  const { filter, resolved } = await resolveCohortFilter(ctx, parsed.request, warnings);
  const ids = new Set<string>();
  const hasOnly = parsed.request.filters.length > 0 && parsed.request.filters.every((f) => f.kind === 'has');
  const idFilters = resolved.filter((f): f is ParameterFilter => f.kind === 'parameter' && f.code === '_id');
  // A store that resolved the `_has` in its own terms (Store.referenceTargets) is asked the query itself below.
  if (parsed.type === 'Patient' && within && !table && hasOnly && idFilters.length === resolved.length) {
    let kept = within;
    for (const f of idFilters) {
      const named = new Set(f.values.map((v) => (v as { code?: string }).code));
      kept = new Set([...kept].filter((id) => named.has(id)));
    }
    return { ids: kept, warnings };
  }
  if (parsed.type === 'Patient') {
    if (table) {
      for (const id of await table.addMatches(ctx, filter)) ids.add(id);
    } else if (ctx.store.matchKeys) {
      for (const row of await ctx.store.matchKeys(filter, [])) ids.add(row.id);
    } else {
      for (const v of await ctx.store.find({ filter })) ids.add(v.id);
    }
    return { ids, warnings };
  }
  if (ctx.store.referenceKeys) {
    for (const prefix of [referenceKey('patient', ''), referenceKey('subject', '')]) {
      for (const key of await ctx.store.referenceKeys(filter, prefix)) {
        const typed = parseReference(key.slice(prefix.length));
        if (typed?.type === 'Patient') ids.add(typed.id);
      }
    }
    return { ids, warnings };
  }
  for (const v of await ctx.store.find({ filter })) {
    const r = JSON.parse(v.json) as { subject?: { reference?: string }; patient?: { reference?: string } };
    const typed = parseReference(r.subject?.reference ?? r.patient?.reference ?? '');
    if (typed?.type === 'Patient') ids.add(typed.id);
  }
  return { ids, warnings };
}

/**
 * The store filter of a cohort query, its chains and `_has` resolved. A chain or `_has` whose inner matches were
 * cut at the search layer's cap would make every number computed on the cohort silently wrong: refused (422).
 */
export async function compileCohortFilter(ctx: FhirContext, request: SearchRequest, warnings: OperationOutcomeIssue[]): Promise<Filter> {
  return (await resolveCohortFilter(ctx, request, warnings)).filter;
}

async function resolveCohortFilter(ctx: FhirContext, request: SearchRequest, warnings: OperationOutcomeIssue[]): Promise<{ filter: Filter; resolved: ResolvedFilter[] }> {
  const found = [...request.warnings];
  const outerTypes = request.resourceType ? [request.resourceType] : request.types;
  const resolved = await resolveChainedFilters(ctx.store, request.filters, outerTypes, found);
  assertCohortComplete(found);
  warnings.push(...found);
  return { filter: compileFilter({ ...request, filters: resolved }), resolved };
}

/** Throws 422 `too-costly` when the search layer reports an inner match set it cut at its cap. */
export function assertCohortComplete(warnings: OperationOutcomeIssue[]): void {
  if (!warnings.some((w) => w.code === 'too-costly')) return;
  throw new OperationOutcomeError(outcome(issue('error', 'too-costly',
    `A chained or _has condition of this cohort matches more than ${MAX_CHAIN_MATCHES} resources, which this site's store cannot follow completely; ` +
    'no aggregate is computed on an incomplete cohort. Narrow the inner condition, or express the cohort on the other resource type')));
}
