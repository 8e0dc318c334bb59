/**
 * Immunizations (CVX): the childhood schedule, seasonal influenza (at the site's uptake), and the adult
 * vaccines due by age — given at wellness visits.
 */
import type { Immunization } from '@medplum/fhirtypes';
import { fhirDateTime, yearsBetween } from './calendar.ts';
import { coded, SYSTEM, type PatientRecord } from './record.ts';

interface Vaccine {
  cvx: string;
  display: string;
  /** Ages (years) at which a dose is due. */
  dueAt: number[];
  /** Share of the due doses given. */
  uptake: number;
}

const SCHEDULE: Vaccine[] = [
  { cvx: '08', display: 'Hep B, adolescent or pediatric', dueAt: [0, 0.2, 0.5], uptake: 0.92 },
  { cvx: '20', display: 'DTaP', dueAt: [0.2, 0.35, 0.5, 1.3, 4.5], uptake: 0.9 },
  { cvx: '10', display: 'IPV', dueAt: [0.2, 0.35, 1, 4.5], uptake: 0.92 },
  { cvx: '03', display: 'MMR', dueAt: [1, 4.5], uptake: 0.91 },
  { cvx: '21', display: 'varicella', dueAt: [1.1, 4.6], uptake: 0.9 },
  { cvx: '115', display: 'Tdap', dueAt: [11.5], uptake: 0.85 },
  { cvx: '62', display: 'HPV, quadrivalent', dueAt: [11.6, 12.2], uptake: 0.6 },
  { cvx: '113', display: 'Td (adult) preservative free', dueAt: [30, 40, 50, 60, 70, 80], uptake: 0.5 },
  { cvx: '187', display: 'zoster vaccine recombinant', dueAt: [51, 51.3], uptake: 0.35 },
  { cvx: '133', display: 'Pneumococcal conjugate PCV 13', dueAt: [65.2], uptake: 0.6 },
  { cvx: '33', display: 'pneumococcal polysaccharide vaccine, 23 valent', dueAt: [66.2], uptake: 0.55 },
];

const INFLUENZA: Pick<Vaccine, 'cvx' | 'display'> = { cvx: '140', display: 'Influenza, seasonal, injectable, preservative free' };

function immunization(record: PatientRecord, vaccine: Pick<Vaccine, 'cvx' | 'display'>, encounter: string, at: number): void {
  const resource: Immunization = {
    resourceType: 'Immunization',
    status: 'completed',
    vaccineCode: coded(SYSTEM.cvx, vaccine.cvx, vaccine.display),
    patient: { reference: record.patientReference },
    encounter: { reference: encounter },
    occurrenceDateTime: fhirDateTime(at),
    primarySource: true,
  };
  record.add(resource);
}

/** The doses due since the previous wellness visit, and the flu shot in autumn and winter. */
export function addDueImmunizations(record: PatientRecord, encounter: string, at: number, previousVisit: number): void {
  const { person, profile, rng } = record;
  const age = yearsBetween(person.birth, at);
  const previousAge = Math.max(yearsBetween(person.birth, previousVisit), yearsBetween(person.birth, person.start) - 0.01);
  for (const vaccine of SCHEDULE) {
    for (const due of vaccine.dueAt) {
      if (due > previousAge && due <= age && rng.chance(vaccine.uptake)) immunization(record, vaccine, encounter, at);
    }
  }
  const month = new Date(at).getUTCMonth();
  const fluSeason = month >= 8 || month <= 1;
  const olderOrFrail = age >= 65 || person.onsets.size > 1 ? 1.25 : 1;
  if (age >= 0.5 && fluSeason && rng.chance(Math.min(0.95, profile.fluVaccineUptake * olderOrFrail))) immunization(record, INFLUENZA, encounter, at);
}
