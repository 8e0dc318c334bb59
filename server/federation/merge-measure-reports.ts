/**
 * Merging the sites' summary MeasureReports cell by cell: population counts per group, strata per stratifier
 * (matched by their values, so sites with different strata merge correctly), then the hub policy over the sums.
 */
import type { Extension, MeasureReport, MeasureReportGroup, MeasureReportGroupPopulation, MeasureReportGroupStratifier } from '@medplum/fhirtypes';
import type { HubConfig } from '../config/hub-config.ts';
import { mergeCellParts, type CellParts, type CellRelation, type MergedCell } from './merge-cells.ts';

export const SUPPRESSED_EXTENSION = 'https://vitrine.dev/fhir/StructureDefinition/disclosure-suppressed';
export const AT_LEAST_EXTENSION = 'https://vitrine.dev/fhir/StructureDefinition/federation-at-least';

type Stratum = NonNullable<MeasureReportGroupStratifier['stratum']>[number];

const populationCode = (p: MeasureReportGroupPopulation) => p.code?.coding?.[0]?.code ?? p.code?.text ?? '?';
const stratifierKey = (s: MeasureReportGroupStratifier, index: number) => s.code?.[0]?.text ?? s.code?.[0]?.coding?.[0]?.code ?? `#${index}`;
const stratumKey = (s: Stratum) => (s.value ? `v:${s.value.text ?? s.value.coding?.[0]?.code}` : `c:${JSON.stringify((s.component ?? []).map((c) => [c.code?.text ?? c.code?.coding?.[0]?.code, c.value?.text ?? c.value?.coding?.[0]?.code]))}`);

function isSuppressed(p: MeasureReportGroupPopulation): boolean {
  return p.count === undefined && Boolean(p.extension?.some((e) => e.url === SUPPRESSED_EXTENSION));
}

/** The merged report; `reports` come from the sites that answered, all for the same Measure. */
export function mergeMeasureReports(reports: MeasureReport[], policy: HubConfig['policy']): MeasureReport {
  const parts = new Map<string, CellParts>();
  const relations: CellRelation[] = [];
  const layout: { group: MeasureReportGroup; codes: string[]; stratifiers: Map<string, { template: MeasureReportGroupStratifier; strata: Map<string, Stratum> }> }[] = [];
  const add = (id: string, population: MeasureReportGroupPopulation | undefined) => {
    const cell = parts.get(id) ?? { sum: 0, incomplete: false };
    if (!population || isSuppressed(population) || typeof population.count !== 'number') cell.incomplete = true;
    else cell.sum += population.count;
    parts.set(id, cell);
  };

  const groupCount = Math.max(...reports.map((r) => r.group?.length ?? 0));
  for (let gi = 0; gi < groupCount; gi++) {
    const groups = reports.map((r) => r.group?.[gi]);
    const template = groups.find(Boolean)!;
    const codes = [...new Set(groups.flatMap((g) => (g?.population ?? []).map(populationCode)))];
    for (const code of codes) for (const g of groups) add(`g${gi}/${code}`, g?.population?.find((p) => populationCode(p) === code));
    const stratifiers = new Map<string, { template: MeasureReportGroupStratifier; strata: Map<string, Stratum> }>();
    for (const g of groups) {
      (g?.stratifier ?? []).forEach((s, si) => {
        const key = stratifierKey(s, si);
        const entry = stratifiers.get(key) ?? { template: s, strata: new Map() };
        for (const stratum of s.stratum ?? []) if (!entry.strata.has(stratumKey(stratum))) entry.strata.set(stratumKey(stratum), stratum);
        stratifiers.set(key, entry);
      });
    }
    for (const [sk, { strata }] of stratifiers) {
      for (const code of codes) {
        const members: string[] = [];
        for (const [key] of strata) {
          const id = `g${gi}/${sk}/${key}/${code}`;
          members.push(id);
          for (const g of groups) {
            const siteStratifier = g?.stratifier?.find((s, si) => stratifierKey(s, si) === sk);
            const siteStratum = siteStratifier?.stratum?.find((s) => stratumKey(s) === key);
            // A stratum a site does not list is an empty stratum there, unless the site withheld the stratifier.
            if (siteStratifier && !siteStratum) continue;
            add(id, siteStratum?.population?.find((p) => populationCode(p) === code));
          }
        }
        relations.push({ total: `g${gi}/${code}`, members });
      }
    }
    layout.push({ group: template, codes, stratifiers });
  }

  const merged = mergeCellParts(parts, relations, policy);
  const base = reports[0];
  return {
    resourceType: 'MeasureReport',
    status: 'complete',
    type: 'summary',
    measure: base.measure,
    date: new Date().toISOString(),
    period: base.period,
    group: layout.map(({ group, codes, stratifiers }, gi) => ({
      ...(group.code ? { code: group.code } : {}),
      population: codes.map((code) => populationOf(group.population?.find((p) => populationCode(p) === code), code, merged.get(`g${gi}/${code}`)!)),
      stratifier: [...stratifiers].map(([sk, { template, strata }]) => ({
        ...(template.code ? { code: template.code } : {}),
        stratum: [...strata].map(([key, stratum]) => ({
          ...(stratum.value ? { value: stratum.value } : { component: stratum.component }),
          population: codes.map((code) => populationOf(undefined, code, merged.get(`g${gi}/${sk}/${key}/${code}`)!)),
        })),
      })),
    })),
  };
}

function populationOf(template: MeasureReportGroupPopulation | undefined, code: string, cell: MergedCell): MeasureReportGroupPopulation {
  const population: MeasureReportGroupPopulation = {
    code: template?.code ?? { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/measure-population', code }] },
  };
  const extension: Extension[] = [];
  if (cell.suppressed) extension.push({ url: SUPPRESSED_EXTENSION, valueCode: cell.suppressed });
  else population.count = cell.value;
  if (cell.atLeast) extension.push({ url: AT_LEAST_EXTENSION, valueBoolean: true });
  if (extension.length > 0) population.extension = extension;
  return population;
}
