/**
 * $deid-report (system level, site administrators only): the re-identification risk of what the site stores, in
 * the manner of ARX's prosecutor model (server/ingest/risk-report.ts) — patients grouped into equivalence classes
 * over birth year, gender, ZIP3 and deceased, and how many fall below k. `k` defaults to the disclosure policy's
 * minimum cell size (11 without one). https://arx.deidentifier.org/overview/privacy-criteria/
 * The small classes are quasi-identifier combinations with their sizes: for the administrator, never federated.
 */
import { measureReidentificationRisk, riskParameters } from '../../ingest/risk-report.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { badRequest, forbidden } from '../outcomes.ts';
import type { OperationEntry } from './registry.ts';

const DEFAULT_K = 11;

async function deidReportHandler(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  if (ctx.caller && ctx.caller.role !== 'admin') {
    throw forbidden(`Rule deid-report-admin: the re-identification risk report is open to site administrators only; ${ctx.caller.clientId} is ${ctx.caller.role}`);
  }
  const k = readK(req, ctx);
  const report = await measureReidentificationRisk(ctx.store, k);
  return { status: 200, resource: riskParameters(report) };
}

function readK(req: FhirRequest, ctx: FhirContext): number {
  const given = req.params.filter(([name]) => name === 'k').map(([, value]) => value);
  if (given.length === 0) return ctx.disclosure?.policy.minCellSize ?? DEFAULT_K;
  const k = Number(given[given.length - 1]);
  if (!/^\d+$/.test(given[given.length - 1]) || k < 2 || k > 1_000_000) throw badRequest(`k must be a whole number of at least 2, not "${given[given.length - 1]}"`, 'k');
  return k;
}

export const deidReportOperation: OperationEntry = {
  name: 'deid-report',
  definition: 'https://vitrine.dev/fhir/OperationDefinition/deid-report',
  routes: [
    { interaction: 'operation', method: 'GET', path: ['$deid-report'], summary: 're-identification risk of the stored data (prosecutor model, equivalence classes below k); administrators only', handler: (req, ctx) => deidReportHandler(req, ctx) },
  ],
};
