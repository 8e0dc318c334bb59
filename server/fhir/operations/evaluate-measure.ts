/**
 * Measure/$evaluate-measure: a summary MeasureReport for a stored Measure (by id or canonical url) or an inline
 * one (`measure` parameter holding a resource). https://hl7.org/fhir/R4/measure-operation-evaluate-measure.html
 * Aggregate-only callers get numbers that passed the site's disclosure policy; the report says what was applied.
 */
import type { Measure } from '@medplum/fhirtypes';
import { aggregateAccess } from '../../aggregate/access.ts';
import { evaluateMeasureReport } from '../../aggregate/measure-report.ts';
import { operationInput } from '../../aggregate/operation-input.ts';
import { appliedIssues } from '../../policy/applied-report.ts';
import { runAggregate } from '../../aggregate/run-aggregate.ts';
import { policyRefusal } from '../../policy/refusals.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { badRequest, notFound } from '../outcomes.ts';
import type { OperationEntry } from './registry.ts';

async function evaluateMeasureHandler(req: FhirRequest, ctx: FhirContext, id?: string): Promise<FhirResponse> {
  const input = operationInput(req);
  const access = aggregateAccess(ctx, ['Patient', 'Observation', 'Condition', 'Encounter']);
  const reportType = input.text('reportType') ?? 'summary';
  if (!['summary', 'population'].includes(reportType)) {
    if (access.mode !== 'exact') throw policyRefusal('aggregate-only', `reportType=${reportType} reports on individual subjects`, 'reportType');
    throw badRequest(`reportType ${reportType} is not supported; use summary`, 'reportType');
  }
  if (input.text('subject') !== undefined) {
    if (access.mode !== 'exact') throw policyRefusal('aggregate-only', 'A report for one subject is row-level', 'subject');
    throw badRequest('subject is not supported; put the cohort in the initial-population criteria', 'subject');
  }
  const measure = await findMeasure(ctx, id, input.resource('measure'), input.text('measure'));
  const period = { start: input.text('periodStart'), end: input.text('periodEnd') };
  for (const [name, value] of Object.entries(period)) {
    if (value !== undefined && !/^\d{4}(-\d{2}(-\d{2})?)?/.test(value)) throw badRequest(`${name} must be a date`, name);
  }
  const measureRef = measure.url ?? (measure.id ? `Measure/${measure.id}` : 'inline');
  const { report, issues, applied } = await runAggregate(access, 'Measure/$evaluate-measure', measureRef, () =>
    evaluateMeasureReport(ctx, access, { measure, measureRef, period }),
  );
  const warnings = [...issues, ...appliedIssues(applied)];
  report.contained = [{ resourceType: 'OperationOutcome', id: 'disclosure', issue: warnings }];
  return { status: 200, resource: report };
}

async function findMeasure(ctx: FhirContext, id: string | undefined, inline: unknown, reference: string | undefined): Promise<Measure> {
  if (id) return readMeasure(ctx, id);
  if (inline) {
    if ((inline as Measure).resourceType !== 'Measure') throw badRequest('The measure parameter must hold a Measure', 'measure');
    return inline as Measure;
  }
  if (!reference) throw badRequest('Name a Measure: Measure/{id}/$evaluate-measure, measure=<url or Measure/id>, or an inline Measure', 'measure');
  const local = /^(?:Measure\/)?([A-Za-z0-9\-.]{1,64})$/.exec(reference);
  if (local && !reference.includes('://')) return readMeasure(ctx, local[1]);
  const [url, version] = reference.split('|');
  const found = await ctx.store.find({ filter: { type: 'Measure', deleted: false, uri: { $elemMatch: { p: 'url', v: url } } }, limit: 10 });
  const measures = found.map((v) => JSON.parse(v.json) as Measure).filter((m) => !version || m.version === version);
  if (measures.length === 0) throw notFound(`No Measure with url ${reference}`);
  return measures[0];
}

async function readMeasure(ctx: FhirContext, id: string): Promise<Measure> {
  const stored = await ctx.store.read('Measure', id);
  if (!stored || stored.deleted) throw notFound(`Measure/${id} not found`);
  return JSON.parse(stored.json) as Measure;
}

export const evaluateMeasureOperation: OperationEntry = {
  name: 'evaluate-measure',
  definition: 'http://hl7.org/fhir/OperationDefinition/Measure-evaluate-measure',
  resourceTypes: ['Measure'],
  routes: [
    { interaction: 'operation', method: 'POST', path: ['Measure', '$evaluate-measure'], summary: 'evaluate an inline or referenced Measure (summary MeasureReport)', aggregate: true, handler: (req, ctx) => evaluateMeasureHandler(req, ctx) },
    { interaction: 'operation', method: 'GET', path: ['Measure', '$evaluate-measure'], summary: 'evaluate a Measure named by ?measure=', aggregate: true, handler: (req, ctx) => evaluateMeasureHandler(req, ctx) },
    { interaction: 'operation', method: 'GET', path: ['Measure', '{id}', '$evaluate-measure'], summary: 'evaluate a stored Measure', aggregate: true, handler: (req, ctx, p) => evaluateMeasureHandler(req, ctx, p.id) },
    { interaction: 'operation', method: 'POST', path: ['Measure', '{id}', '$evaluate-measure'], summary: 'evaluate a stored Measure (Parameters body)', aggregate: true, handler: (req, ctx, p) => evaluateMeasureHandler(req, ctx, p.id) },
  ],
};
