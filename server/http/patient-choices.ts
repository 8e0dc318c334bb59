/** The patients the standalone launch's picker offers: the first ones of the store, labelled without identifiers. */
import type { Patient } from '@medplum/fhirtypes';
import type { PatientChoice } from '../auth/authorize-page.ts';
import type { Store } from '../store/types.ts';

const PICKER_SIZE = 50;

export function patientChoices(store: Store): { list(): Promise<PatientChoice[]>; exists(id: string): Promise<boolean> } {
  return {
    async list() {
      const found = await store.find({ filter: { type: 'Patient', deleted: false }, sort: [['_id', 1]], limit: PICKER_SIZE });
      return found.map((v) => {
        const patient = JSON.parse(v.json) as Patient;
        const facts = [patient.gender, patient.birthDate && `born ${patient.birthDate}`].filter(Boolean).join(', ');
        return { id: v.id, label: `Patient/${v.id}${facts ? ` (${facts})` : ''}` };
      });
    },
    async exists(id: string) {
      const version = await store.read('Patient', id);
      return version !== undefined && !version.deleted;
    },
  };
}
