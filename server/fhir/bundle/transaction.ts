/**
 * transaction Bundles: all entries succeed together or none is applied. Processing order and reference rules
 * follow https://hl7.org/fhir/R4/http.html#trules: DELETE, then POST, then PUT/PATCH, then GET.
 */
import type { Bundle, BundleEntry } from '@medplum/fhirtypes';
import { StoreConflictError } from '../../store/types.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { newId } from '../ids.ts';
import { findSingleMatch, queryPairs } from '../matches.ts';
import { badRequest, conflict } from '../outcomes.ts';
import { WriteSession } from '../write-session.ts';
import { entryRequest, responseEntry } from './entries.ts';
import { atEntry, type Dispatch } from './dispatch.ts';
import { collectConditionalReferences, resolveConditionalReference, rewriteReferences } from './references.ts';

const ORDER: Record<FhirRequest['method'], number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3 };

export async function processTransaction(bundle: Bundle, ctx: FhirContext, dispatch: Dispatch): Promise<FhirResponse> {
  const entries = bundle.entry ?? [];
  const requests = entries.map((entry, i) => entryRequest(entry, i));
  await resolveReferences(entries, requests, ctx);
  assertEachResourceOnce(requests);

  const session = new WriteSession(ctx.store, ctx.pipeline);
  const inTransaction: FhirContext = { ...ctx, session };
  const order = requests.map((_, i) => i).sort((a, b) => ORDER[requests[a].method] - ORDER[requests[b].method] || a - b);
  const responses: FhirResponse[] = new Array(requests.length);
  const searches: number[] = [];
  for (const i of order) {
    if (requests[i].method === 'GET' && !isInstanceRead(requests[i].path)) searches.push(i);
    else responses[i] = await atEntry(i, () => dispatch(requests[i], inTransaction));
  }
  try {
    await session.commit();
  } catch (err) {
    if (err instanceof StoreConflictError) throw conflict(`Transaction conflicts with a concurrent update of ${err.type}/${err.id}`);
    throw err;
  }
  // Searches run once the writes are in, so they see them; their parameters cannot undo the transaction.
  for (const i of searches) responses[i] = await atEntry(i, () => dispatch(requests[i], ctx));

  const result: Bundle = { resourceType: 'Bundle', type: 'transaction-response', entry: responses.map(responseEntry) };
  return { status: 200, resource: result };
}

/**
 * Gives every new resource its id up front, so `urn:uuid:` references to it can be rewritten before any entry
 * runs, and resolves conditional references against the store as it was when the transaction began.
 */
async function resolveReferences(entries: BundleEntry[], requests: FhirRequest[], ctx: FhirContext): Promise<void> {
  const targets = new Map<string, string>();
  for (let i = 0; i < entries.length; i++) {
    const request = requests[i];
    const [type, id] = request.path.split('/');
    const fullUrl = entries[i].fullUrl;
    if (request.method === 'POST' && type && !id) {
      const ifNoneExist = request.headers['if-none-exist'];
      const existing = ifNoneExist ? await atEntry(i, () => findSingleMatch(ctx, type, queryPairs(ifNoneExist))) : undefined;
      if (!existing) request.assignedId = newId();
      if (fullUrl) targets.set(fullUrl, `${type}/${existing?.id ?? request.assignedId}`);
    } else if (request.method === 'PUT' && type && !id && request.params.length > 0) {
      // A conditional update becomes a plain update of the match (or of a new id), decided once here.
      const match = await atEntry(i, () => findSingleMatch(ctx, type, request.params));
      const targetId = match?.id ?? (entries[i].resource?.id || newId());
      request.path = `${type}/${targetId}`;
      request.params = [];
      if (entries[i].resource) entries[i].resource = { ...entries[i].resource!, id: targetId };
      if (fullUrl) targets.set(fullUrl, request.path);
    } else if (request.method === 'PUT' && type && id && fullUrl) {
      targets.set(fullUrl, `${type}/${id}`);
    }
  }
  for (let i = 0; i < entries.length; i++) {
    for (const reference of collectConditionalReferences(entries[i].resource, new Set())) {
      if (!targets.has(reference)) targets.set(reference, await atEntry(i, () => resolveConditionalReference(ctx, reference)));
    }
  }
  for (const entry of entries) rewriteReferences(entry.resource, targets);
  requests.forEach((request, i) => {
    if (request.method !== 'PATCH') request.body = entries[i].resource;
  });
}

/** The spec forbids touching one resource twice in a transaction: the outcome would depend on order. */
function assertEachResourceOnce(requests: FhirRequest[]): void {
  const seen = new Map<string, number>();
  requests.forEach((request, i) => {
    if (request.method === 'GET' || request.method === 'POST') return;
    const key = request.path.split('/').slice(0, 2).join('/');
    if (seen.has(key)) {
      throw badRequest(`Entries ${seen.get(key)} and ${i} both change ${key}`, `Bundle.entry[${i}].request.url`);
    }
    seen.set(key, i);
  });
}

function isInstanceRead(path: string): boolean {
  const [type, id] = path.split('/');
  return Boolean(type && id && !id.startsWith('_') && !id.startsWith('$'));
}
