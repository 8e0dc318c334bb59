/** history at instance, type and system level: https://hl7.org/fhir/R4/http.html#history */
import type { Bundle, BundleEntry, BundleLink, Resource } from '@medplum/fhirtypes';
import type { StoredVersion } from '../../store/types.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { badRequest, notFound } from '../outcomes.ts';
import { parseCount, parseInstant, parseOffset } from '../params.ts';

export async function historyBundle(
  req: FhirRequest,
  ctx: FhirContext,
  type?: string,
  id?: string,
): Promise<FhirResponse> {
  const params = new Map<string, string>();
  for (const [name, value] of req.params) {
    if (!['_count', '_since', '_offset', '_before', '_format', '_pretty'].includes(name)) {
      throw badRequest(`Unsupported history parameter: ${name}`, name);
    }
    params.set(name, value);
  }
  const count = parseCount(params.get('_count'), ctx.limits);
  const offset = parseOffset(params.get('_offset'));
  const since = params.has('_since') ? parseInstant(params.get('_since')!, '_since') : undefined;
  // Pages after the first are bounded by the first page's instant, so new writes do not shift them.
  const before = params.has('_before') ? parseInstant(params.get('_before')!, '_before') : new Date(Date.now() + 1);

  const { versions, total } = await ctx.store.history({ type, id, since, before, skip: offset, limit: count });
  if (id && type && total === 0 && !since) throw notFound(`${type}/${id} not found`);

  const path = [type, id, '_history'].filter(Boolean).join('/');
  const page = (o: number) => {
    const q = new URLSearchParams({ _count: String(count), _offset: String(o), _before: before.toISOString() });
    if (since) q.set('_since', since.toISOString());
    return `${ctx.baseUrl}/${path}?${q}`;
  };
  const link: BundleLink[] = [{ relation: 'self', url: page(offset) }];
  if (offset + count < total) link.push({ relation: 'next', url: page(offset + count) });
  if (offset > 0) link.push({ relation: 'previous', url: page(Math.max(0, offset - count)) });

  const bundle: Bundle = { resourceType: 'Bundle', type: 'history', total, link, entry: versions.map((v) => historyEntry(ctx, v)) };
  return { status: 200, resource: bundle };
}

function historyEntry(ctx: FhirContext, v: StoredVersion): BundleEntry {
  const url = `${v.type}/${v.id}`;
  const entry: BundleEntry = { fullUrl: `${ctx.baseUrl}/${url}` };
  if (!v.deleted) entry.resource = JSON.parse(v.json) as Resource;
  entry.request = { method: v.deleted ? 'DELETE' : v.vid === 1 ? 'POST' : 'PUT', url: v.vid === 1 && !v.deleted ? v.type : url };
  entry.response = {
    status: v.deleted ? '204' : v.vid === 1 ? '201' : '200',
    etag: `W/"${v.vid}"`,
    lastModified: v.lastUpdated.toISOString(),
  };
  return entry;
}
