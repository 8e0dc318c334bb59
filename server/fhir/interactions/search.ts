/** search at type, system and compartment level, answered as a searchset Bundle: https://hl7.org/fhir/R4/search.html */
import type { Bundle, BundleEntry, BundleLink, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { aggregateCountBundle } from '../../aggregate/count.ts';
import { callerMaySee } from '../../auth/caller-access.ts';
import { searchResources, type SearchResult } from '../../search/execute.ts';
import { parseSearchRequest } from '../../search/parse.ts';
import type { SearchRequest } from '../../search/search-request.ts';
import type { StoredVersion } from '../../store/types.ts';
import type { FhirContext, FhirRequest, FhirResponse, SearchPairs } from '../context.ts';
import { strictHandling } from '../responses.ts';

export interface SearchScope {
  type?: string;
  /** "Patient/123" for a compartment search. */
  compartment?: string;
}

export async function searchBundle(req: FhirRequest, ctx: FhirContext, scope: SearchScope): Promise<FhirResponse> {
  // Federation callers get counts through the disclosure policy, and nothing row-level.
  if (ctx.caller?.role === 'aggregate') return aggregateCountBundle(req, ctx, scope);
  const request = parseSearchRequest(scope.type, req.params, {
    strict: strictHandling(req),
    defaultCount: ctx.limits.defaultCount,
    maxCount: ctx.limits.maxCount,
  });
  if (scope.compartment) request.compartment = scope.compartment;
  const result = await searchResources(ctx.store, request);

  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset' };
  if (result.total !== undefined) bundle.total = result.total;
  bundle.link = pageLinks(ctx, scope, req.params, request, result);
  const entries: BundleEntry[] = [
    ...result.matches.map((v) => searchEntry(ctx, v, 'match', request)),
    // An included resource of a type the caller's scopes do not cover stays out (server/auth/).
    ...result.included.filter((v) => callerMaySee(ctx.caller, v.type)).map((v) => searchEntry(ctx, v, 'include', request)),
  ];
  if (result.warnings.length > 0) {
    const warnings: OperationOutcome = { resourceType: 'OperationOutcome', issue: result.warnings };
    entries.push({ resource: warnings, search: { mode: 'outcome' } });
  }
  if (request.summary !== 'count') bundle.entry = entries;
  else if (result.warnings.length > 0) bundle.entry = entries.filter((e) => e.search?.mode === 'outcome');
  return { status: 200, resource: bundle };
}

function searchEntry(ctx: FhirContext, v: StoredVersion, mode: 'match' | 'include', request: SearchRequest): BundleEntry {
  const resource = JSON.parse(v.json) as Resource;
  return { fullUrl: `${ctx.baseUrl}/${v.type}/${v.id}`, resource: shapeResource(resource, request), search: { mode } };
}

/**
 * Links for self, next and previous. The server's own links page by keyset cursor (`_cursor`, see
 * search/cursor.ts), so a page sequence visits every match once while writes happen between fetches; a client that
 * sent `_offset` gets offset links, over a sort that always ends in `_id`. https://hl7.org/fhir/R4/http.html#paging
 */
function pageLinks(ctx: FhirContext, scope: SearchScope, params: SearchPairs, request: SearchRequest, result: SearchResult): BundleLink[] {
  const base = scope.compartment ? `${ctx.baseUrl}/${scope.compartment}/${scope.type}` : `${ctx.baseUrl}${scope.type ? `/${scope.type}` : ''}`;
  const kept = params.filter(([name]) => name !== '_offset' && name !== '_count' && name !== '_cursor');
  const url = (paging: [string, string][]) => `${base}?${new URLSearchParams([...kept, ['_count', String(request.count)], ...paging])}`;
  const selfPaging: [string, string][] = request.cursor
    ? [['_cursor', params.find(([name]) => name === '_cursor')![1]]]
    : request.offsetRequested ? [['_offset', String(request.offset)]] : [];
  const links: BundleLink[] = [{ relation: 'self', url: url(selfPaging) }];
  if (!request.offsetRequested) {
    if (result.cursors?.next) links.push({ relation: 'next', url: url([['_cursor', result.cursors.next]]) });
    if (result.cursors?.previous) links.push({ relation: 'previous', url: url([['_cursor', result.cursors.previous]]) });
    return links;
  }
  const pageSize = result.matches.length;
  const more = result.total !== undefined ? request.offset + pageSize < result.total : pageSize === request.count && pageSize > 0;
  if (more && request.count > 0) links.push({ relation: 'next', url: url([['_offset', String(request.offset + request.count)]]) });
  if (request.offset > 0) links.push({ relation: 'previous', url: url([['_offset', String(Math.max(0, request.offset - request.count))]]) });
  return links;
}

/** `_elements` and `_summary=text|data` reduce each resource; the result is marked SUBSETTED as the spec asks. */
function shapeResource(resource: Resource, request: SearchRequest): Resource {
  const r = resource as unknown as Record<string, unknown>;
  const keep = request.elements;
  let shaped: Record<string, unknown> | undefined;
  if (keep && keep.length > 0) {
    shaped = { resourceType: r.resourceType, id: r.id, meta: r.meta };
    for (const name of keep) if (name in r) shaped[name] = r[name];
  } else if (request.summary === 'data') {
    const { text: _text, ...rest } = r;
    shaped = rest;
  } else if (request.summary === 'text') {
    shaped = { resourceType: r.resourceType, id: r.id, meta: r.meta, text: r.text };
  }
  if (!shaped) return resource;
  const meta = (shaped.meta ?? {}) as { tag?: { system?: string; code?: string }[] };
  shaped.meta = { ...meta, tag: [...(meta.tag ?? []), { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' }] };
  return shaped as unknown as Resource;
}
