/** Merging `$histogram` answers: bins matched by their edges (sites asked with the same edges align exactly). */
import type { Parameters, ParametersParameter } from '@medplum/fhirtypes';
import type { HubConfig } from '../config/hub-config.ts';
import { mergeCellParts, type CellParts } from './merge-cells.ts';
import { SUPPRESSED_EXTENSION } from './merge-measure-reports.ts';

const binKey = (bin: ParametersParameter) => {
  const low = bin.part?.find((p) => p.name === 'low')?.valueDecimal;
  const high = bin.part?.find((p) => p.name === 'high')?.valueDecimal;
  return `${low ?? '-inf'}..${high ?? '+inf'}`;
};

function countOf(p: ParametersParameter | undefined): number | undefined {
  return typeof p?.valueInteger === 'number' ? p.valueInteger : undefined;
}

export function mergeHistograms(answers: Parameters[], policy: HubConfig['policy']): ParametersParameter[] {
  const parts = new Map<string, CellParts>();
  const templates = new Map<string, ParametersParameter>();
  const add = (id: string, value: number | undefined) => {
    const cell = parts.get(id) ?? { sum: 0, incomplete: false };
    if (value === undefined) cell.incomplete = true;
    else cell.sum += value;
    parts.set(id, cell);
  };
  for (const answer of answers) {
    const params = answer.parameter ?? [];
    add('total', countOf(params.find((p) => p.name === 'total')));
    for (const bin of params.filter((p) => p.name === 'bin')) {
      templates.set(binKey(bin), bin);
      add(binKey(bin), countOf(bin.part?.find((p) => p.name === 'count')));
    }
  }
  // A bin a site did not report at all (different edges) makes that bin incomplete.
  for (const key of templates.keys()) {
    const reporting = answers.filter((a) => a.parameter?.some((p) => p.name === 'bin' && binKey(p) === key)).length;
    if (reporting < answers.length) parts.get(key)!.incomplete = true;
  }
  const merged = mergeCellParts(parts, [{ total: 'total', members: [...templates.keys()] }], policy);
  const count = (id: string): ParametersParameter => {
    const cell = merged.get(id)!;
    const extension = [
      ...(cell.suppressed ? [{ url: SUPPRESSED_EXTENSION, valueCode: cell.suppressed }] : []),
      ...(cell.atLeast ? [{ url: 'https://vitrine.dev/fhir/StructureDefinition/federation-at-least', valueBoolean: true }] : []),
    ];
    return { name: 'count', ...(cell.value !== undefined ? { valueInteger: cell.value } : {}), ...(extension.length ? { extension } : {}) };
  };
  return [
    { ...count('total'), name: 'total' },
    ...[...templates].map(([key, template]) => ({ name: 'bin', part: [...(template.part ?? []).filter((p) => p.name !== 'count'), count(key)] })),
  ];
}
