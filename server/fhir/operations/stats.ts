/**
 * Observation/$stats: statistics of one code's values over a cohort and period.
 * https://hl7.org/fhir/R4/observation-operation-stats.html — the subjects come as `cohort` (a Patient query)
 * rather than a list of references; `lower`/`upper` bound the values (required of aggregate callers unless the
 * site's policy bounds the code). Answers a Parameters with `statistics` (an Observation with one component per
 * statistic) and `outcome` (what the disclosure policy applied).
 */
import type { Observation, Parameters } from '@medplum/fhirtypes';
import { aggregateAccess } from '../../aggregate/access.ts';
import { observedValues } from '../../aggregate/observation-values.ts';
import { operationInput } from '../../aggregate/operation-input.ts';
import { runAggregate } from '../../aggregate/run-aggregate.ts';
import { STATISTIC_CODES, type StatisticCode } from '../../aggregate/statistics.ts';
import { canonicalStatsQuery, readStatsQuery } from '../../aggregate/stats-input.ts';
import { computeStatistics, statisticComponent } from '../../aggregate/stats-report.ts';
import { appliedIssues } from '../../policy/applied-report.ts';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { badRequest } from '../outcomes.ts';
import type { OperationEntry } from './registry.ts';

async function statsHandler(req: FhirRequest, ctx: FhirContext): Promise<FhirResponse> {
  const input = operationInput(req);
  const access = aggregateAccess(ctx, ['Patient', 'Observation']);
  const codes = (input.all('statistic').length > 0 ? input.all('statistic') : ['count', 'average', 'std-dev']) as StatisticCode[];
  const unknown = codes.find((c) => !STATISTIC_CODES.includes(c));
  if (unknown) throw badRequest(`Unknown statistic ${unknown}; supported: ${STATISTIC_CODES.join(', ')}`, 'statistic');
  const { statistics, applied, unit, code, warnings } = await runAggregate(access, 'Observation/$stats', req.params.map(([n, v]) => `${n}=${v}`).join('&'), async () => {
    const query = readStatsQuery(ctx, input, access);
    const observed = await observedValues(ctx, query);
    const result = await computeStatistics(access, query, observed.values, [...new Set(codes)]);
    return { ...result, unit: observed.unit, code: query.code, warnings: observed.warnings, canonical: canonicalStatsQuery(query, '') };
  });
  const [system, value] = code.split('|');
  const observation: Observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system, code: value }] },
    ...(input.text('periodStart') || input.text('periodEnd') ? { effectivePeriod: { start: input.text('periodStart'), end: input.text('periodEnd') } } : {}),
    component: statistics.map((s) => statisticComponent(s, unit)),
  };
  const result: Parameters = {
    resourceType: 'Parameters',
    parameter: [
      { name: 'statistics', resource: observation },
      { name: 'outcome', resource: { resourceType: 'OperationOutcome', issue: [...warnings, ...appliedIssues(applied)] } },
    ],
  };
  return { status: 200, resource: result };
}

export const statsOperation: OperationEntry = {
  name: 'stats',
  definition: 'http://hl7.org/fhir/OperationDefinition/Observation-stats',
  resourceTypes: ['Observation'],
  routes: [
    { interaction: 'operation', method: 'GET', path: ['Observation', '$stats'], summary: 'statistics of a code over a cohort and period', aggregate: true, handler: (req, ctx) => statsHandler(req, ctx) },
    { interaction: 'operation', method: 'POST', path: ['Observation', '$stats'], summary: 'statistics (Parameters body)', aggregate: true, handler: (req, ctx) => statsHandler(req, ctx) },
  ],
};
