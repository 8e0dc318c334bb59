/** DiagnosticReports: one per lab panel, pointing at its result Observations. */
import type { DiagnosticReport } from '@medplum/fhirtypes';
import { fhirDateTime } from './calendar.ts';
import type { LabPanel } from './observations.ts';
import { coded, SYSTEM, type PatientRecord } from './record.ts';

const PANELS: Record<LabPanel, { code: string; display: string }> = {
  metabolic: { code: '51990-0', display: 'Basic metabolic panel - Blood' },
  lipids: { code: '57698-3', display: 'Lipid panel with direct LDL - Serum or Plasma' },
  hba1c: { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' },
};

export function addLabReport(record: PatientRecord, panel: LabPanel, results: string[], encounter: string, at: number): void {
  const definition = PANELS[panel];
  const report: DiagnosticReport = {
    resourceType: 'DiagnosticReport',
    status: 'final',
    category: [coded(SYSTEM.v2Section, 'LAB', 'Laboratory')],
    code: coded(SYSTEM.loinc, definition.code, definition.display),
    subject: { reference: record.patientReference },
    encounter: { reference: encounter },
    effectiveDateTime: fhirDateTime(at),
    issued: fhirDateTime(at + 4 * 3_600_000),
    result: results.map((reference) => ({ reference })),
  };
  record.add(report);
}
