/** Condition resources (SNOMED CT) for the conditions a person developed, recorded at the visit that found them. */
import type { Condition } from '@medplum/fhirtypes';
import { fhirDateTime, YEAR_MS } from './calendar.ts';
import { CONDITIONS, type ConditionDefinition, type ConditionKey } from './condition-catalog.ts';
import { coded, SYSTEM, type PatientRecord } from './record.ts';

const BY_KEY = new Map(CONDITIONS.map((c) => [c.key, c]));

export function conditionDefinition(key: ConditionKey): ConditionDefinition {
  return BY_KEY.get(key)!;
}

/** Adds the Condition; cancers more than a year old at the end of the history are in remission. */
export function addCondition(record: PatientRecord, key: ConditionKey, encounter: string, recordedAt: number): string {
  const definition = conditionDefinition(key);
  const onset = record.person.onsets.get(key)!;
  const inRemission = definition.cancer === true && record.person.end - onset > YEAR_MS && record.rng.chance(0.7);
  const status = inRemission ? 'remission' : 'active';
  const condition: Condition = {
    resourceType: 'Condition',
    clinicalStatus: coded(SYSTEM.conditionClinical, status, status === 'active' ? 'Active' : 'Remission'),
    verificationStatus: coded(SYSTEM.conditionVerification, 'confirmed', 'Confirmed'),
    category: [coded(SYSTEM.conditionCategory, 'problem-list-item', 'Problem List Item')],
    code: coded(SYSTEM.snomed, definition.snomed, definition.display),
    subject: { reference: record.patientReference },
    encounter: { reference: encounter },
    onsetDateTime: fhirDateTime(onset),
    recordedDate: fhirDateTime(recordedAt),
  };
  return record.add(condition);
}
