/**
 * ImagingStudy headers (no pixel data): DICOM study, series and instance UIDs under a fixed example root, the
 * modality and body site — what a PACS index would hold for the study.
 */
import type { ImagingStudy } from '@medplum/fhirtypes';
import { fhirDateTime } from './calendar.ts';
import { SYSTEM, type PatientRecord } from './record.ts';

/** A UID root reserved for examples (2.25 would need a real UUID; this keeps UIDs short and obviously fake). */
const UID_ROOT = '1.2.826.0.1.3680043.8.498';

const STUDIES = {
  chestXray: { modality: 'DX', modalityDisplay: 'Digital Radiography', site: '51185008', siteDisplay: 'Thoracic structure', sopClass: '1.2.840.10008.5.1.4.1.1.1.1', instances: 2, description: 'Chest X-ray' },
  ctChest: { modality: 'CT', modalityDisplay: 'Computed Tomography', site: '51185008', siteDisplay: 'Thoracic structure', sopClass: '1.2.840.10008.5.1.4.1.1.2', instances: 3, description: 'CT chest' },
  mammography: { modality: 'MG', modalityDisplay: 'Mammography', site: '76752008', siteDisplay: 'Breast structure', sopClass: '1.2.840.10008.5.1.4.1.1.1.2', instances: 4, description: 'Screening mammogram' },
  echocardiography: { modality: 'US', modalityDisplay: 'Ultrasound', site: '80891009', siteDisplay: 'Heart structure', sopClass: '1.2.840.10008.5.1.4.1.1.6.1', instances: 2, description: 'Transthoracic echocardiogram' },
} as const;

export type StudyKind = keyof typeof STUDIES;

export function addImagingStudy(record: PatientRecord, kind: StudyKind, encounter: string, at: number, procedure?: string): void {
  const s = STUDIES[kind];
  const uid = () => `${UID_ROOT}.${record.rng.int(1, 9)}${record.rng.digits(15)}`;
  const modality = { system: SYSTEM.dicom, code: s.modality, display: s.modalityDisplay };
  const study: ImagingStudy = {
    resourceType: 'ImagingStudy',
    identifier: [{ system: 'urn:dicom:uid', value: `urn:oid:${uid()}` }],
    status: 'available',
    modality: [modality],
    subject: { reference: record.patientReference },
    encounter: { reference: encounter },
    started: fhirDateTime(at),
    ...(procedure ? { procedureReference: { reference: procedure } } : {}),
    numberOfSeries: 1,
    numberOfInstances: s.instances,
    description: s.description,
    series: [{
      uid: uid(),
      number: 1,
      modality,
      numberOfInstances: s.instances,
      bodySite: { system: SYSTEM.snomed, code: s.site, display: s.siteDisplay },
      started: fhirDateTime(at),
      instance: Array.from({ length: s.instances }, (_, i) => ({ uid: uid(), sopClass: { system: 'urn:ietf:rfc:3986', code: `urn:oid:${s.sopClass}` }, number: i + 1 })),
    }],
  };
  record.add(study);
}
