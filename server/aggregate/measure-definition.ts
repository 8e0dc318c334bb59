/**
 * The parts of a Measure that $evaluate-measure uses, read from a stored or inline Measure and checked:
 * groups, their population criteria (`application/x-fhir-query` or `text/fhirpath`) and stratifiers (with
 * components, for cross-tabs). https://hl7.org/fhir/R4/measure.html
 */
import type { CodeableConcept, Measure } from '@medplum/fhirtypes';
import { badRequest } from '../fhir/outcomes.ts';

/** Population codes of http://terminology.hl7.org/CodeSystem/measure-population, in nesting order. */
export const POPULATION_CODES = ['initial-population', 'denominator', 'denominator-exclusion', 'numerator', 'numerator-exclusion'] as const;
export type PopulationCode = (typeof POPULATION_CODES)[number];

export interface CriteriaSpec {
  language: 'application/x-fhir-query' | 'text/fhirpath';
  expression: string;
}

export interface PopulationSpec {
  code: PopulationCode;
  concept: CodeableConcept;
  criteria?: CriteriaSpec;
}

export interface StratifierSpec {
  code?: CodeableConcept;
  components: { code?: CodeableConcept; expression: string }[];
}

export interface GroupSpec {
  code?: CodeableConcept;
  populations: PopulationSpec[];
  stratifiers: StratifierSpec[];
}

/** Reads the groups of a Measure; throws 400 naming the element that is wrong. */
export function readMeasureGroups(measure: Measure): GroupSpec[] {
  const groups = measure.group ?? [];
  if (groups.length === 0) throw badRequest('The Measure has no group', 'Measure.group');
  return groups.map((group, gi) => {
    const populations = (group.population ?? []).map((p, pi): PopulationSpec => {
      const where = `Measure.group[${gi}].population[${pi}]`;
      const code = p.code?.coding?.find((c) => POPULATION_CODES.includes(c.code as PopulationCode))?.code as PopulationCode | undefined;
      if (!code) throw badRequest(`Population code must be one of ${POPULATION_CODES.join(', ')}`, `${where}.code`);
      return { code, concept: p.code!, criteria: readCriteria(p.criteria, `${where}.criteria`) };
    });
    const initial = populations.find((p) => p.code === 'initial-population');
    if (!initial?.criteria) throw badRequest('Each group needs an initial-population with criteria', `Measure.group[${gi}].population`);
    const stratifiers = (group.stratifier ?? []).map((s, si): StratifierSpec => {
      const where = `Measure.group[${gi}].stratifier[${si}]`;
      if (s.component && s.component.length > 0) {
        return { code: s.code, components: s.component.map((c, ci) => ({ code: c.code, expression: fhirpathOf(c.criteria, `${where}.component[${ci}].criteria`) })) };
      }
      return { code: s.code, components: [{ code: s.code, expression: fhirpathOf(s.criteria, `${where}.criteria`) }] };
    });
    return { code: group.code, populations, stratifiers };
  });
}

function readCriteria(criteria: { language?: string; expression?: string } | undefined, where: string): CriteriaSpec | undefined {
  if (!criteria) return undefined;
  if (criteria.language !== 'application/x-fhir-query' && criteria.language !== 'text/fhirpath') {
    throw badRequest(`Criteria language must be application/x-fhir-query or text/fhirpath, not "${criteria.language}"`, `${where}.language`);
  }
  if (typeof criteria.expression !== 'string' || criteria.expression.trim() === '') throw badRequest('Criteria need an expression', `${where}.expression`);
  return { language: criteria.language, expression: criteria.expression };
}

function fhirpathOf(criteria: { language?: string; expression?: string } | undefined, where: string): string {
  const c = readCriteria(criteria, where);
  if (!c) throw badRequest('A stratifier needs criteria', where);
  if (c.language !== 'text/fhirpath') throw badRequest('Stratifier criteria must be text/fhirpath on the subject', `${where}.language`);
  return c.expression;
}
