/**
 * $ingest (system level): an internal loader POSTs raw FHIR — a transaction, batch or collection Bundle, or bulk
 * ndjson (`application/fhir+ndjson`, https://hl7.org/fhir/uv/bulkdata/) — and the site de-identifies it with its
 * own rule set and key, then writes it through the same pipeline as every write (core validation, de-identified
 * profiles, index). Nothing of the raw input is stored. Answers a Parameters summary: read, written, unchanged
 * and refused per type, with the reasons.
 */
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import { accessOf } from '../../auth/caller-access.ts';
import { grantAllows, type Permission } from '../../auth/scopes.ts';
import type { IngestSummary } from '../../ingest/ingest-summary.ts';
import { StoreTarget } from '../../ingest/ingest-targets.ts';
import { ndjsonTextUnits, sourceUnitOf, type SourceUnit } from '../../ingest/read-sources.ts';
import { runIngest } from '../../ingest/run-ingest.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { assertSafeJson } from '../json-guard.ts';
import { badRequest, forbidden, issue, notSupported } from '../outcomes.ts';
import type { OperationEntry } from './registry.ts';

const LOADER_PERMISSIONS: Permission[] = ['c', 'u'];
const BUNDLE_TYPES = new Set(['transaction', 'batch', 'collection']);

async function ingestHandler(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  requireLoader(ctx);
  if (!ctx.ingest) throw notSupported('$ingest is not configured on this site: set deid.keyFile in the site config (or VITRINE_DEID_KEY) and restart it');
  const units = unitsOfBody(req.body);
  const { deidentifier, key, pipeline } = ctx.ingest;
  const summary = await runIngest(units, { deidentifier, key, target: new StoreTarget(ctx.store, pipeline) });
  return { status: 200, resource: summaryParameters(summary) };
}

/**
 * Only a loader may ingest: a `system/` token that may create and update every type (`system/*.cu` or more).
 * Clinicians' `user/` tokens, `patient/` apps and federation callers are refused.
 */
function requireLoader(ctx: FhirContext): void {
  const { caller } = ctx;
  if (!caller) return; // no authorization configured (handler tests)
  const access = accessOf(caller);
  const allowed = !access.compartment && LOADER_PERMISSIONS.every((p) => access.grants.some((g) => g.context === 'system' && grantAllows(g, '*', p)));
  if (!allowed) {
    throw forbidden(`Rule ingest-loader: $ingest needs scopes system/*.c and system/*.u (a site-internal loader); the token grants: ${caller.scopes.join(' ') || '(none)'}`);
  }
}

/** A Bundle or a single resource as parsed JSON, or ndjson as raw bytes. */
function unitsOfBody(body: unknown): Iterable<SourceUnit> {
  if (Buffer.isBuffer(body) || typeof body === 'string') {
    const text = body.toString();
    if (text.trim() === '') throw badRequest('$ingest needs a body: a Bundle (application/fhir+json) or ndjson (application/fhir+ndjson)');
    return ndjsonTextUnits(text, 'ndjson');
  }
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('$ingest needs a body: a Bundle (application/fhir+json) or ndjson (application/fhir+ndjson)');
  }
  assertSafeJson(body);
  const { resourceType, type } = body as { resourceType?: unknown; type?: unknown };
  if (typeof resourceType !== 'string') throw badRequest('Missing resourceType', 'resourceType');
  if (resourceType === 'Bundle' && !BUNDLE_TYPES.has(String(type))) {
    throw badRequest(`$ingest takes transaction, batch or collection Bundles, not ${String(type)}`, 'Bundle.type');
  }
  return [sourceUnitOf(body, 'body')];
}

/** The summary as Parameters: totals, one `type` part per resource type, one `refusal` part per reason. */
export function summaryParameters(summary: IngestSummary): Parameters {
  const counts = (c: IngestSummary['totals']): ParametersParameter[] => [
    { name: 'read', valueInteger: c.read },
    { name: 'written', valueInteger: c.written },
    { name: 'unchanged', valueInteger: c.unchanged },
    { name: 'refused', valueInteger: c.refused },
  ];
  const refusals = Object.entries(summary.reasons);
  const outcomeIssues = [
    issue('information', 'informational', `Ingested through ${summary.ruleSet.name} ${summary.ruleSet.version}: ${summary.totals.read} read, ${summary.totals.written} written, ${summary.totals.unchanged} unchanged, ${summary.totals.refused} refused`),
    ...refusals.map(([reason, n]) => issue('warning', 'processing', `${n} × ${reason}`)),
  ];
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'ruleSet', valueString: `${summary.ruleSet.name} ${summary.ruleSet.version}` },
      ...counts(summary.totals),
      ...Object.entries(summary.byType).map(([type, c]) => ({ name: 'type', part: [{ name: 'resourceType', valueString: type }, ...counts(c)] })),
      ...refusals.map(([reason, n]) => ({ name: 'refusal', part: [{ name: 'reason', valueString: reason }, { name: 'count', valueInteger: n }] })),
      { name: 'outcome', resource: { resourceType: 'OperationOutcome', issue: outcomeIssues } },
    ],
  };
}

export const ingestOperation: OperationEntry = {
  name: 'ingest',
  definition: 'https://vitrine.dev/fhir/OperationDefinition/ingest',
  routes: [
    { interaction: 'operation', method: 'POST', path: ['$ingest'], summary: 'de-identify and store raw FHIR (Bundle or ndjson) through the site rule set; loaders only', handler: (req, ctx) => ingestHandler(req, ctx) },
  ],
};
