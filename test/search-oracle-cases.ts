/**
 * The searches of the oracle test, derived from the loaded Synthea data (its common codes, a patient, family names),
 * so they select something real. `plain` gives the oracle answer in plain JS where Medplum's in-memory search does
 * not implement the feature; `knownDifference` says why an answer is expected to differ.
 */
import type { Condition, Encounter, Observation, Patient, Resource } from '@medplum/fhirtypes';

export interface OracleCase {
  kind: string;
  type: string;
  query: string;
  plain?: (resources: Resource[]) => string[];
  knownDifference?: string;
}

type Coded = { code?: { coding?: { system?: string; code?: string }[] } };

function mostCommonCodes(resources: Coded[], n: number): { system: string; code: string }[] {
  const counts = new Map<string, number>();
  for (const r of resources) for (const c of r.code?.coding ?? []) if (c.system && c.code) counts.set(`${c.system}|${c.code}`, (counts.get(`${c.system}|${c.code}`) ?? 0) + 1);
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, n)
    .map(([key]) => ({ system: key.slice(0, key.lastIndexOf('|')), code: key.slice(key.lastIndexOf('|') + 1) }));
}

const subjectsOf = (resources: (Condition | Observation)[], system: string, code: string) =>
  new Set(resources.filter((r) => r.code?.coding?.some((c) => c.system === system && c.code === code)).map((r) => r.subject?.reference?.split('/')[1]));

export function oracleCases(resources: Resource[]): OracleCase[] {
  const of = <T extends Resource>(type: T['resourceType']) => resources.filter((r) => r.resourceType === type) as T[];
  const observations = of<Observation>('Observation');
  const conditions = of<Condition>('Condition');
  const patients = of<Patient>('Patient');
  const encounters = of<Encounter>('Encounter');
  const [obs1, obs2, obs3] = mostCommonCodes(observations, 3);
  const [cond1, cond2] = mostCommonCodes(conditions, 2);
  const patient = patients[0];
  const family = patient.name?.[0]?.family ?? 'x';
  const female = new Set(patients.filter((p) => p.gender === 'female').map((p) => p.id));
  const cases: OracleCase[] = [
    { kind: 'token', type: 'Observation', query: `code=${obs1.system}|${obs1.code}` },
    { kind: 'token', type: 'Observation', query: `code=${obs2.code}` },
    { kind: 'token', type: 'Observation', query: `code=${obs1.code},${obs3.code}` },
    { kind: 'token', type: 'Condition', query: `code=${cond1.system}|${cond1.code}` },
    { kind: 'token', type: 'Patient', query: 'gender=female' },
    { kind: 'token', type: 'Observation', query: 'status=final' },
    { kind: 'token', type: 'Condition', query: 'clinical-status=resolved' },
    { kind: 'token', type: 'Encounter', query: `class=${encounters[0]?.class?.code ?? 'AMB'}` },
    { kind: 'token', type: 'Observation', query: `category=vital-signs&code=${obs2.code}` },
    { kind: 'token', type: 'Condition', query: `code:not=${cond1.system}|${cond1.code}` },
    { kind: 'string', type: 'Patient', query: `family=${family.slice(0, 3)}` },
    { kind: 'string', type: 'Patient', query: `name=${family.slice(0, 4).toLowerCase()}` },
    { kind: 'string', type: 'Patient', query: `family:exact=${family}` },
    { kind: 'string', type: 'Patient', query: `address-city=${patient.address?.[0]?.city?.slice(0, 4) ?? 'Bos'}` },
    { kind: 'date', type: 'Observation', query: `code=${obs1.code}&date=ge2015-01-01&date=lt2016-01-01` },
    { kind: 'date', type: 'Patient', query: 'birthdate=lt1960-01-01' },
    { kind: 'date', type: 'Patient', query: 'birthdate=ge1990' },
    { kind: 'date', type: 'Condition', query: 'onset-date=ge2015-01-01' },
    { kind: 'date', type: 'Encounter', query: 'date=ge2019-01-01&date=le2019-12-31' },
    { kind: 'quantity', type: 'Observation', query: `code=${obs1.code}&value-quantity=gt100` },
    // Medplum's in-memory matcher returns nothing for quantity prefixes other than eq: plain JS is the oracle here.
    { kind: 'quantity', type: 'Observation', query: 'value-quantity=lt5', plain: () => observations.filter((o) => (o.valueQuantity?.value ?? Infinity) < 5).map((o) => o.id!) },
    {
      kind: 'quantity',
      type: 'Observation',
      query: 'value-quantity=ge80|http://unitsofmeasure.org|kg',
      plain: () => observations.filter((o) => o.valueQuantity?.code === 'kg' && o.valueQuantity.system === 'http://unitsofmeasure.org' && o.valueQuantity.value! >= 80).map((o) => o.id!),
    },
    { kind: 'reference', type: 'Observation', query: `subject=Patient/${patient.id}` },
    // Medplum's in-memory matcher compares a bare id with the stored "Patient/<id>" literally: plain JS here.
    { kind: 'reference', type: 'Encounter', query: `patient=${patient.id}`, plain: () => encounters.filter((e) => e.subject?.reference === `Patient/${patient.id}`).map((e) => e.id!) },
    { kind: 'reference', type: 'Condition', query: `subject:Patient=${patient.id}`, plain: () => conditions.filter((c) => c.subject?.reference === `Patient/${patient.id}`).map((c) => c.id!) },
    {
      kind: 'chain',
      type: 'Condition',
      query: 'subject:Patient.gender=female',
      plain: () => conditions.filter((c) => female.has(c.subject?.reference?.split('/')[1])).map((c) => c.id!),
    },
    {
      kind: '_has',
      type: 'Patient',
      query: `_has:Condition:patient:code=${cond1.system}|${cond1.code}`,
      plain: () => [...subjectsOf(conditions, cond1.system, cond1.code)].filter((id): id is string => !!id),
    },
    {
      kind: '_has',
      type: 'Patient',
      query: `_has:Condition:patient:code=${cond2.system}|${cond2.code}&_has:Observation:patient:code=${obs3.system}|${obs3.code}`,
      plain: () => {
        const withObservation = subjectsOf(observations, obs3.system, obs3.code);
        return [...subjectsOf(conditions, cond2.system, cond2.code)].filter((id): id is string => !!id && withObservation.has(id));
      },
    },
    { kind: 'special', type: 'Patient', query: `_id=${patient.id}` },
    { kind: 'special', type: 'Patient', query: 'birthdate:missing=false' },
    {
      kind: 'token',
      type: 'Patient',
      query: 'deceased=true',
      plain: () => patients.filter((p) => p.deceasedDateTime !== undefined || p.deceasedBoolean === true).map((p) => p.id!),
    },
  ];
  return cases;
}
