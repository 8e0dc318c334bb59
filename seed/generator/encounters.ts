/**
 * The visits of a history: a yearly check-up, a visit when each condition is diagnosed, and follow-up,
 * emergency and inpatient visits at a rate that grows with the conditions present. Encounter resources.
 */
import type { Encounter } from '@medplum/fhirtypes';
import { atClinicHour, DAY_MS, fhirDateTime, YEAR_MS, yearsBetween } from './calendar.ts';
import { CONDITIONS, type ConditionKey } from './condition-catalog.ts';
import { conditionDefinition } from './conditions.ts';
import { hasAt } from './person.ts';
import { coded, SYSTEM, type PatientRecord } from './record.ts';

export type VisitKind = 'wellness' | 'diagnosis' | 'followUp' | 'emergency' | 'inpatient';

export interface Visit {
  kind: VisitKind;
  at: number;
  /** The condition the visit is about, if any. */
  reason?: ConditionKey;
}

const VISIT_TYPES: Record<VisitKind, { classCode: string; classDisplay: string; code: string; display: string; hours: number }> = {
  wellness: { classCode: 'AMB', classDisplay: 'ambulatory', code: '185349003', display: 'Encounter for check up', hours: 0.5 },
  diagnosis: { classCode: 'AMB', classDisplay: 'ambulatory', code: '185345009', display: 'Encounter for symptom', hours: 0.5 },
  followUp: { classCode: 'AMB', classDisplay: 'ambulatory', code: '390906007', display: 'Follow-up encounter', hours: 0.5 },
  emergency: { classCode: 'EMER', classDisplay: 'emergency', code: '50849002', display: 'Emergency room admission', hours: 4 },
  inpatient: { classCode: 'IMP', classDisplay: 'inpatient encounter', code: '32485007', display: 'Hospital admission', hours: 72 },
};

/** The visits of the person's history, in time order. */
export function planVisits(record: PatientRecord): Visit[] {
  const { rng, person, profile } = record;
  const visits: Visit[] = [];
  const inHistory = (at: number) => at >= person.start && at < person.end;
  for (let yearStart = person.start; yearStart < person.end; yearStart += YEAR_MS) {
    const age = yearsBetween(person.birth, yearStart);
    const wellness = yearStart + rng.uniform(0, YEAR_MS);
    if (inHistory(wellness) && rng.chance(age < 18 ? 0.95 : 0.8)) visits.push({ kind: 'wellness', at: wellness });
    const active = CONDITIONS.filter((c) => hasAt(person, c.key, yearStart + YEAR_MS / 2)).map((c) => c.key);
    const rate = Math.max(0, profile.encountersPerYear - 1) + active.reduce((sum, key) => sum + conditionDefinition(key).visitsPerYear, 0);
    const severe = active.filter((key) => key === 'heartFailure' || key === 'copd' || conditionDefinition(key).cancer).length;
    for (let i = rng.poisson(rate); i > 0; i--) {
      const at = yearStart + rng.uniform(0, YEAR_MS);
      if (!inHistory(at)) continue;
      const reason = active.length > 0 && rng.chance(0.75) ? rng.pick(active) : undefined;
      const r = rng.next();
      const kind: VisitKind = r < 0.02 + 0.04 * severe ? 'inpatient' : r < profile.emergencyShare * (1 + 0.5 * severe) ? 'emergency' : 'followUp';
      visits.push({ kind, at, reason });
    }
  }
  for (const [key, onset] of person.onsets) {
    const at = onset + rng.uniform(0, 21) * DAY_MS;
    if (inHistory(at)) visits.push({ kind: 'diagnosis', at, reason: key });
  }
  if (person.death !== undefined && rng.chance(0.6)) visits.push({ kind: 'inpatient', at: person.death - rng.uniform(1, 6) * DAY_MS });
  return visits
    .map((v) => ({ ...v, at: v.kind === 'inpatient' || v.kind === 'emergency' ? Math.floor(v.at / 60_000) * 60_000 : atClinicHour(v.at, rng.int(0, 540)) }))
    .filter((v) => v.at >= person.start && v.at < person.end)
    .sort((a, b) => a.at - b.at);
}

export function addEncounter(record: PatientRecord, visit: Visit): string {
  const type = VISIT_TYPES[visit.kind];
  const end = Math.min(visit.at + type.hours * 3_600_000 * (visit.kind === 'inpatient' ? record.rng.uniform(0.5, 3) : 1), record.person.end);
  const encounter: Encounter = {
    resourceType: 'Encounter',
    status: 'finished',
    class: { system: SYSTEM.actCode, code: type.classCode, display: type.classDisplay },
    type: [coded(SYSTEM.snomed, type.code, type.display)],
    subject: { reference: record.patientReference },
    period: { start: fhirDateTime(visit.at), end: fhirDateTime(Math.max(visit.at, Math.floor(end / 1000) * 1000)) },
    ...(visit.reason ? { reasonCode: [coded(SYSTEM.snomed, conditionDefinition(visit.reason).snomed, conditionDefinition(visit.reason).display)] } : {}),
  };
  return record.add(encounter);
}
