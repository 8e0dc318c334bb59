/**
 * Observation/$histogram: counts of one code's values (one per patient) in fixed bins over a cohort and period.
 * Parameters as $stats, plus `edges=a,b,c` or `binWidth` (with `lower`/`upper`); without either, ten equal bins over
 * the policy's bounds (aggregate callers) or Sturges' bins over the data's range (site-internal callers). Answers a
 * Parameters: `total`, then `bin` parts (`low`, `high`, `count` or a suppression mark), under/overflow included.
 */
import type { Parameters } from '@medplum/fhirtypes';
import { aggregateAccess } from '../../aggregate/access.ts';
import { computeHistogram, histogramEdges } from '../../aggregate/histogram-report.ts';
import { observedValues } from '../../aggregate/observation-values.ts';
import { operationInput } from '../../aggregate/operation-input.ts';
import { runAggregate } from '../../aggregate/run-aggregate.ts';
import { readStatsQuery } from '../../aggregate/stats-input.ts';
import { appliedIssues } from '../../policy/applied-report.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import type { OperationEntry } from './registry.ts';

async function histogramHandler(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  const input = operationInput(req);
  const access = aggregateAccess(ctx, ['Patient', 'Observation']);
  const { parameters, applied, warnings, code } = await runAggregate(access, 'Observation/$histogram', req.params.map(([n, v]) => `${n}=${v}`).join('&'), async () => {
    const query = readStatsQuery(ctx, input, access);
    const observed = await observedValues(ctx, query);
    const edges = histogramEdges(input, query, access, observed.values);
    return { ...(await computeHistogram(access, query, observed.values, edges)), warnings: observed.warnings, code: query.code };
  });
  const result: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'code', valueString: code },
      ...parameters,
      { name: 'outcome', resource: { resourceType: 'OperationOutcome', issue: [...warnings, ...appliedIssues(applied)] } },
    ],
  };
  return { status: 200, resource: result };
}

export const histogramOperation: OperationEntry = {
  name: 'histogram',
  definition: 'https://vitrine.dev/fhir/OperationDefinition/Observation-histogram',
  resourceTypes: ['Observation'],
  routes: [
    { interaction: 'operation', method: 'GET', path: ['Observation', '$histogram'], summary: 'histogram of a code over a cohort and period (fixed or automatic bins)', aggregate: true, handler: (req, ctx) => histogramHandler(req, ctx) },
    { interaction: 'operation', method: 'POST', path: ['Observation', '$histogram'], summary: 'histogram (Parameters body)', aggregate: true, handler: (req, ctx) => histogramHandler(req, ctx) },
  ],
};
