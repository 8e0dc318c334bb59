/**
 * Pooling `$stats` answers. Count, sum and sum of squares add up, so average, variance and standard deviation are
 * pooled exactly from them; minimum and maximum are the extremes of the sites' values; median and percentiles
 * cannot be pooled from per-site values and are given as count-weighted means, marked approximate.
 */
import type { Observation, ObservationComponent } from '@medplum/fhirtypes';
import type { HubConfig } from '../config/hub-config.ts';
import { SUPPRESSED_EXTENSION } from './merge-measure-reports.ts';

export const APPROXIMATE_EXTENSION = 'https://vitrine.dev/fhir/StructureDefinition/federation-approximate';

interface SiteStatistics {
  values: Map<string, number>;
  unit?: string;
  suppressed: boolean;
}

function read(observation: Observation): SiteStatistics {
  const values = new Map<string, number>();
  let unit: string | undefined;
  let suppressed = false;
  for (const c of observation.component ?? []) {
    const code = c.code?.coding?.[0]?.code;
    if (!code) continue;
    if (typeof c.valueQuantity?.value === 'number') {
      values.set(code, c.valueQuantity.value);
      if (code !== 'count') unit ??= c.valueQuantity.code;
    } else if (code === 'count') suppressed = true;
  }
  return { values, unit, suppressed };
}

export function mergeStatistics(observations: Observation[], policy: HubConfig['policy']): { observation: Observation; notes: string[] } {
  const sites = observations.map(read);
  const notes: string[] = [];
  const template = observations[0];
  const wanted = [...new Set((template.component ?? []).map((c) => c.code?.coding?.[0]?.code).filter((c): c is string => Boolean(c)))];
  const anySuppressed = sites.some((s) => s.suppressed);
  const n = sites.reduce((acc, s) => acc + (s.values.get('count') ?? 0), 0);
  const suppressAll = (anySuppressed && policy.suppressedSites === 'suppress') || n < policy.minCellSize;
  if (anySuppressed) notes.push('some sites suppressed their statistics (too few values); they are not included');

  const sumOf = (code: string) => (sites.every((s) => s.suppressed || s.values.has(code)) ? sites.reduce((acc, s) => acc + (s.values.get(code) ?? 0), 0) : undefined);
  const sum = sumOf('sum');
  const sumSq = sumOf('sum-of-squares');
  const mean = sum !== undefined && n > 0 ? sum / n : undefined;
  const variance = sumSq !== undefined && mean !== undefined && n > 1 ? Math.max(0, (sumSq - n * mean * mean) / (n - 1)) : undefined;
  const reporting = sites.filter((s) => !s.suppressed);
  const weighted = (code: string) => {
    const withValue = reporting.filter((s) => s.values.has(code));
    const weight = withValue.reduce((acc, s) => acc + (s.values.get('count') ?? 0), 0);
    return withValue.length === 0 || weight === 0 ? undefined : withValue.reduce((acc, s) => acc + s.values.get(code)! * (s.values.get('count') ?? 0), 0) / weight;
  };
  const unit = reporting.find((s) => s.unit)?.unit;

  const component = (code: string): ObservationComponent => {
    const system = template.component?.find((c) => c.code?.coding?.[0]?.code === code)?.code?.coding?.[0]?.system;
    const concept = { coding: [{ system, code }] };
    if (suppressAll) return { code: concept, dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'masked' }] }, extension: [{ url: SUPPRESSED_EXTENSION, valueCode: anySuppressed && policy.suppressedSites === 'suppress' ? 'site' : 'hub-primary' }] };
    let value: number | undefined;
    let approximate = false;
    if (code === 'count') value = policy.rounding > 1 ? Math.round(n / policy.rounding) * policy.rounding : n;
    else if (code === 'sum') value = sum;
    else if (code === 'sum-of-squares') value = sumSq;
    else if (code === 'average') value = mean ?? weighted('average');
    else if (code === 'variance') value = variance;
    else if (code === 'std-dev') value = variance !== undefined ? Math.sqrt(variance) : undefined;
    else if (code === 'minimum') value = reporting.some((s) => s.values.has('minimum')) ? Math.min(...reporting.filter((s) => s.values.has('minimum')).map((s) => s.values.get('minimum')!)) : undefined;
    else if (code === 'maximum') value = reporting.some((s) => s.values.has('maximum')) ? Math.max(...reporting.filter((s) => s.values.has('maximum')).map((s) => s.values.get('maximum')!)) : undefined;
    else {
      value = weighted(code);
      approximate = true;
    }
    if (value === undefined) return { code: concept, dataAbsentReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-applicable' }] } };
    return {
      code: concept,
      valueQuantity: { value: Math.round(value * 1000) / 1000, ...(code === 'count' || !unit ? {} : { unit, system: 'http://unitsofmeasure.org', code: unit }) },
      ...(approximate || (anySuppressed && code !== 'minimum' && code !== 'maximum') ? { extension: [{ url: APPROXIMATE_EXTENSION, valueBoolean: true }] } : {}),
    };
  };
  if (wanted.some((c) => !['count', 'sum', 'sum-of-squares', 'average', 'variance', 'std-dev', 'minimum', 'maximum'].includes(c))) {
    notes.push('median and percentiles are count-weighted means of the sites\' values: approximate');
  }
  return { observation: { ...template, component: wanted.map(component) }, notes };
}
