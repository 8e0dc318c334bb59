/**
 * The resources of one patient as they are generated: ids drawn from the patient's stream, references written
 * either as `urn:uuid:` (transaction Bundles, resolved by the server) or as `Type/id` (ndjson, direct loads).
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Person } from './person.ts';
import type { SeedProfile } from './profile.ts';
import type { Random } from './random.ts';

export type ReferenceStyle = 'urn:uuid' | 'relative';

export interface GeneratedResource {
  resource: Resource;
  /** The reference other resources use to point at it. */
  reference: string;
}

export class PatientRecord {
  readonly resources: GeneratedResource[] = [];
  patientReference = '';

  constructor(
    readonly rng: Random,
    readonly profile: SeedProfile,
    readonly person: Person,
    readonly referenceStyle: ReferenceStyle,
  ) {}

  /** Gives the resource an id, keeps it, and returns the reference to it. */
  add<T extends Resource>(resource: T): string {
    const id = this.rng.uuid();
    // resourceType and id first, as servers write them.
    const { resourceType, ...body } = resource;
    const withId = { resourceType, id, ...body } as unknown as T;
    const reference = this.referenceStyle === 'urn:uuid' ? `urn:uuid:${id}` : `${resource.resourceType}/${id}`;
    this.resources.push({ resource: withId, reference });
    return reference;
  }
}

export const SYSTEM = {
  snomed: 'http://snomed.info/sct',
  loinc: 'http://loinc.org',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  cvx: 'http://hl7.org/fhir/sid/cvx',
  ucum: 'http://unitsofmeasure.org',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  observationCategory: 'http://terminology.hl7.org/CodeSystem/observation-category',
  conditionClinical: 'http://terminology.hl7.org/CodeSystem/condition-clinical',
  conditionVerification: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  conditionCategory: 'http://terminology.hl7.org/CodeSystem/condition-category',
  v2Identifier: 'http://terminology.hl7.org/CodeSystem/v2-0203',
  v2Section: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  maritalStatus: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus',
} as const;

export const coded = (system: string, code: string, display: string) => ({ coding: [{ system, code, display }], text: display });
