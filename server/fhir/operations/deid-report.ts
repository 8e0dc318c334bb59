/**
 * $deid-report (system level, site administrators only): the re-identification risk of what the site stores, in
 * the manner of ARX's prosecutor model (server/ingest/risk-report.ts) — patients grouped into equivalence classes
 * over birth year, gender, ZIP3 and deceased, and how many fall below k. `k` defaults to the disclosure policy's
 * minimum cell size (11 without one). https://arx.deidentifier.org/overview/privacy-criteria/
 * The small classes are quasi-identifier combinations with their sizes: for the administrator, never federated.
 */
import type { OperationOutcomeIssue, Parameters } from '@medplum/fhirtypes';
import { measureReidentificationRisk, type RiskReport } from '../../ingest/risk-report.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { badRequest, forbidden, issue } from '../outcomes.ts';
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

/** The report as Parameters: the measures, one `smallClass` part per class below k, and an `outcome`. */
export function riskParameters(report: RiskReport): Parameters {
  const issues: OperationOutcomeIssue[] = [
    issue('information', 'informational', `Prosecutor risk over birth year, gender, ZIP3 and deceased at k = ${report.k}: ${report.patients} patients in ${report.classes} equivalence classes`),
  ];
  if (report.classesBelowK > 0) {
    issues.push(issue('warning', 'business-rule', `${report.classesBelowK} equivalence classes hold fewer than ${report.k} patients (${report.patientsBelowK} patients); generalise further or suppress them`));
  }
  return {
    resourceType: 'Parameters',
    parameter: [
      { name: 'k', valueInteger: report.k },
      { name: 'patients', valueInteger: report.patients },
      { name: 'classes', valueInteger: report.classes },
      { name: 'classesBelowK', valueInteger: report.classesBelowK },
      { name: 'patientsBelowK', valueInteger: report.patientsBelowK },
      { name: 'highestRisk', valueDecimal: round(report.highestRisk) },
      { name: 'averageRisk', valueDecimal: round(report.averageRisk) },
      ...report.smallClasses.map((c) => ({
        name: 'smallClass',
        part: [
          { name: 'birthYear', valueString: c.birthYear },
          { name: 'gender', valueString: c.gender },
          { name: 'zip3', valueString: c.zip3 },
          { name: 'deceased', valueBoolean: c.deceased },
          { name: 'size', valueInteger: c.size },
        ],
      })),
      { name: 'outcome', resource: { resourceType: 'OperationOutcome', issue: issues } },
    ],
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export const deidReportOperation: OperationEntry = {
  name: 'deid-report',
  definition: 'https://vitrine.dev/fhir/OperationDefinition/deid-report',
  routes: [
    { interaction: 'operation', method: 'GET', path: ['$deid-report'], summary: 're-identification risk of the stored data (prosecutor model, equivalence classes below k); administrators only', handler: (req, ctx) => deidReportHandler(req, ctx) },
  ],
};
