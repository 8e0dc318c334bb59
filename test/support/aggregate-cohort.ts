/** Small seeded cohorts for the aggregate and policy tests: written through WriteSession into an EmbeddedStore. */
import type { Condition, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Caller, FhirContext, FhirRequest } from '../../server/fhir/context.ts';
import { defaultPipeline } from '../../server/fhir/default-pipeline.ts';
import { dispatch } from '../../server/fhir/routes.ts';
import { WriteSession } from '../../server/fhir/write-session.ts';
import { DisclosureControl } from '../../server/policy/disclosure-control.ts';
import { loadPolicy, policyFrom, type DisclosurePolicy } from '../../server/policy/policy.ts';
import { EmbeddedStore } from '../../server/store/embedded/embedded-store.ts';

export const DIABETES = 'http://snomed.info/sct|44054006';
export const HEART_RATE = 'http://loinc.org|8867-4';
export const FIXED_KEY = Buffer.alloc(32, 7);

export interface CohortPatient {
  gender: Patient['gender'];
  birthDate: string;
  diabetes?: boolean;
  heartRate?: number;
}

export interface AggregateSite {
  store: EmbeddedStore;
  dir: string;
  disclosure: DisclosureControl;
  /** A context for a caller (undefined: no authorization configured). */
  context(caller?: Caller): FhirContext;
  /** Runs a request through the interaction table as the caller. */
  call(caller: Caller | undefined, method: FhirRequest['method'], pathAndQuery: string, body?: unknown): ReturnType<typeof dispatch>;
  reopenDisclosure(): Promise<void>;
  close(): Promise<void>;
}

export const researcher: Caller = { clientId: 'researcher-1', role: 'aggregate', scopes: ['system/*.s'] };
export const clinician: Caller = { clientId: 'clinician-1', role: 'internal', scopes: ['user/*.rs'] };

/** The default policy with overrides (a fixed PRF key keeps draws reproducible). */
export function testPolicy(overrides: Partial<DisclosurePolicy> = {}): DisclosurePolicy {
  return policyFrom({ ...loadPolicy(), ...overrides });
}

export async function createAggregateSite(patients: CohortPatient[], policy = testPolicy()): Promise<AggregateSite> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-aggregate-'));
  const store = new EmbeddedStore({ dir: path.join(dir, 'store') });
  await store.open();
  await writeCohort(store, patients);
  const site: AggregateSite = {
    store,
    dir,
    disclosure: await DisclosureControl.open(policy, dir, FIXED_KEY),
    context: (caller) => ({ caller, store, pipeline: defaultPipeline, baseUrl: 'http://site.test/fhir', limits: { defaultCount: 20, maxCount: 200, maxBundleEntries: 500 }, disclosure: site.disclosure }),
    call: (caller, method, pathAndQuery, body) => {
      const [p, q = ''] = pathAndQuery.split('?');
      return dispatch({ method, path: p, params: [...new URLSearchParams(q)], body, headers: {} }, site.context(caller));
    },
    reopenDisclosure: async () => {
      await site.disclosure.close();
      site.disclosure = await DisclosureControl.open(policy, dir, FIXED_KEY);
    },
    close: async () => {
      await site.disclosure.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return site;
}

/** Writes the patients (ids p0, p1, ...), their diabetes Conditions and heart-rate Observations. */
export async function writeCohort(store: EmbeddedStore, patients: CohortPatient[]): Promise<void> {
  for (let start = 0; start < patients.length; start += 200) {
    const session = new WriteSession(store, defaultPipeline);
    for (const [offset, p] of patients.slice(start, start + 200).entries()) {
      const id = `p${start + offset}`;
      await session.create({ resourceType: 'Patient', gender: p.gender, birthDate: p.birthDate } as Patient, id);
      if (p.diabetes) await session.create(condition(id));
      if (p.heartRate !== undefined) await session.create(observation(id, p.heartRate));
    }
    await session.commit();
  }
}

function condition(patient: string): Resource {
  const [system, code] = DIABETES.split('|');
  return { resourceType: 'Condition', subject: { reference: `Patient/${patient}` }, code: { coding: [{ system, code }] } } as Condition;
}

function observation(patient: string, value: number): Resource {
  const [system, code] = HEART_RATE.split('|');
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system, code }] },
    subject: { reference: `Patient/${patient}` },
    effectiveDateTime: '2024-05-01',
    valueQuantity: { value, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  } as Observation;
}

/** `n` patients cycling through genders and birth years, every `diabetesEvery`-th with diabetes. */
export function cohort(n: number, options: { diabetesEvery?: number; heartRate?: (i: number) => number | undefined } = {}): CohortPatient[] {
  return Array.from({ length: n }, (_, i) => ({
    gender: i % 2 ? 'female' : 'male',
    birthDate: `${1940 + (i % 60)}-0${1 + (i % 9)}-15`,
    diabetes: options.diabetesEvery ? i % options.diabetesEvery === 0 : false,
    heartRate: options.heartRate?.(i),
  }));
}

/** A Measure counting patients (optionally with diabetes), stratified as asked. */
export function measure(initial: string, stratifiers: (string | string[])[] = [], numerator?: string): Record<string, unknown> {
  const pop = (code: string, expression: string) => ({
    code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/measure-population', code }] },
    criteria: { language: 'application/x-fhir-query', expression },
  });
  return {
    resourceType: 'Measure',
    status: 'active',
    url: 'https://vitrine.test/Measure/test',
    group: [{
      population: [pop('initial-population', initial), ...(numerator ? [pop('numerator', numerator)] : [])],
      stratifier: stratifiers.map((s) =>
        Array.isArray(s)
          ? { component: s.map((e) => ({ code: { text: e }, criteria: { language: 'text/fhirpath', expression: e } })) }
          : { code: { text: s }, criteria: { language: 'text/fhirpath', expression: s } },
      ),
    }],
  };
}

/** A Parameters body carrying an inline Measure. */
export function inlineMeasure(m: Record<string, unknown>, periodEnd = '2024-12-31'): Record<string, unknown> {
  return { resourceType: 'Parameters', parameter: [{ name: 'measure', resource: m }, { name: 'periodEnd', valueDate: periodEnd }] };
}
