/** Procedures (SNOMED CT): screenings, diagnostics and treatments, performed during a visit. */
import type { Procedure } from '@medplum/fhirtypes';
import { fhirDateTime } from './calendar.ts';
import { coded, SYSTEM, type PatientRecord } from './record.ts';

export const PROCEDURES = {
  colonoscopy: { code: '73761001', display: 'Colonoscopy', minutes: 45 },
  mammography: { code: '71651007', display: 'Mammography', minutes: 20 },
  spirometry: { code: '127783003', display: 'Spirometry', minutes: 20 },
  echocardiography: { code: '40701008', display: 'Echocardiography', minutes: 40 },
  coronaryAngiography: { code: '33367005', display: 'Angiography of coronary artery', minutes: 60 },
  chemotherapy: { code: '367336001', display: 'Chemotherapy', minutes: 180 },
  hemodialysis: { code: '302497006', display: 'Hemodialysis', minutes: 240 },
  depressionScreening: { code: '171207006', display: 'Depression screening', minutes: 10 },
  chestXray: { code: '399208008', display: 'Plain chest X-ray', minutes: 15 },
  ctChest: { code: '169069000', display: 'Computed tomography of chest', minutes: 30 },
} as const;

export type ProcedureKind = keyof typeof PROCEDURES;

export function addProcedure(record: PatientRecord, kind: ProcedureKind, encounter: string, at: number, reason?: string): string {
  const definition = PROCEDURES[kind];
  const procedure: Procedure = {
    resourceType: 'Procedure',
    status: 'completed',
    code: coded(SYSTEM.snomed, definition.code, definition.display),
    subject: { reference: record.patientReference },
    encounter: { reference: encounter },
    performedPeriod: { start: fhirDateTime(at), end: fhirDateTime(at + definition.minutes * 60_000) },
    ...(reason ? { reasonReference: [{ reference: reason }] } : {}),
  };
  return record.add(procedure);
}
