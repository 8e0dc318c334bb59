/**
 * A small population with hand-built index entries in the DESIGN.md shape: three live Patients, one deleted, and
 * three Observations of two of them. Named after what each contract search should pick out of it.
 */
import type { StoreWrite } from '../../server/store/types.ts';
import { instant, put, remove } from './store-writes.ts';

const day = (iso: string) => ({ lo: new Date(`${iso}T00:00:00.000Z`), hi: new Date(`${iso}T23:59:59.999Z`) });

function patient(id: string, step: number, name: string, gender: string, birthDate?: string): StoreWrite {
  return put('Patient', id, {
    at: instant(step),
    body: { name: [{ family: name }], gender, ...(birthDate && { birthDate }) },
    index: {
      compartments: [`Patient/${id}`],
      tok: [`gender||${gender}`, `gender|*|${gender}`],
      str: [{ p: 'name', v: name }],
      dt: birthDate ? [{ p: 'birthdate', ...day(birthDate) }] : [],
      srt: { name, ...(birthDate && { birthdate: day(birthDate).lo }) },
      srtHi: { name, ...(birthDate && { birthdate: day(birthDate).hi }) },
    },
  });
}

function observation(id: string, step: number, subject: string, loinc: string, status: string, value: number, unit: string, date: string): StoreWrite {
  return put('Observation', id, {
    at: instant(step),
    body: { status, subject: { reference: subject }, code: { coding: [{ system: 'http://loinc.org', code: loinc }] } },
    index: {
      compartments: [subject],
      tok: [`code|http://loinc.org|${loinc}`, `code|*|${loinc}`, 'code|http://loinc.org|*', `status||${status}`, `status|*|${status}`],
      ref: [`subject|${subject}`, `patient|${subject}`],
      num: [
        { p: 'value-quantity', v: value, sys: 'http://unitsofmeasure.org', code: unit },
        // A composite's entries, as extraction makes them: under the exact name of the first part alone.
        { p: `code-value-quantity|http://loinc.org|${loinc}`, v: value, sys: 'http://unitsofmeasure.org', code: unit },
        ...(unit === 'Cel' ? [{ p: `code-value-quantity|http://loinc.org|${loinc}:canonical`, v: value + 273.15, sys: 'http://unitsofmeasure.org', code: 'K' }] : []),
      ],
      dt: [{ p: 'date', ...day(date) }],
      srt: { date: day(date).lo },
      srtHi: { date: day(date).hi },
    },
  });
}

export async function commitSearchFixture(commit: (writes: StoreWrite[]) => Promise<void>): Promise<void> {
  await commit([
    patient('p1', 1, 'smith', 'female', '1980-05-01'),
    patient('p2', 2, 'smithson', 'male', '1975-01-01'),
    patient('p3', 3, 'jones', 'female'),
    patient('p4', 4, 'gone', 'female', '1990-01-01'),
  ]);
  await commit([
    observation('o1', 5, 'Patient/p1', '8867-4', 'final', 72, '/min', '2024-03-01'),
    observation('o2', 6, 'Patient/p1', '8310-5', 'preliminary', 37.5, 'Cel', '2024-03-05'),
    observation('o3', 7, 'Patient/p2', '8867-4', 'final', 110, '/min', '2023-12-31'),
  ]);
  await commit([remove('Patient', 'p4', 2, instant(8))]);
}
