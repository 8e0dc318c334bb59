/**
 * The Patient resource: fake name, address (some in restricted 3-digit ZIP areas), phone, MRN, exact birth date,
 * marital status and death — every identifying element ingest's de-identification has to remove or coarsen.
 */
import type { Patient } from '@medplum/fhirtypes';
import { fhirDate, fhirDateTime } from './calendar.ts';
import { FAMILY, FEMALE_GIVEN, MALE_GIVEN, STREET_KINDS, STREETS } from './names.ts';
import { coded, SYSTEM, type PatientRecord } from './record.ts';

/** Adds the Patient and sets the record's patient reference. */
export function addPatient(record: PatientRecord, patientNumber: number): void {
  const { rng, person, profile } = record;
  const given = person.female ? FEMALE_GIVEN : MALE_GIVEN;
  const family = rng.pick(FAMILY);
  const first = rng.pick(given);
  const middle = rng.pick(given);
  const { city, state, zip } = drawAddress(record);
  const mrn = `${rng.int(10, 99)}${String(patientNumber).padStart(6, '0')}${rng.digits(2)}`;
  const adult = person.age >= 18;
  const married = adult && rng.chance(Math.min(0.65, (person.age - 18) / 30));
  const patient: Patient = {
    resourceType: 'Patient',
    identifier: [
      { use: 'usual', type: coded(SYSTEM.v2Identifier, 'MR', 'Medical record number'), system: profile.mrnSystem, value: mrn },
      { type: coded(SYSTEM.v2Identifier, 'SS', 'Social Security number'), system: 'http://hl7.org/fhir/sid/us-ssn', value: `999-${rng.digits(2)}-${rng.digits(4)}` },
    ],
    active: person.death === undefined,
    name: [{ use: 'official', family, given: [first, middle], ...(adult ? { prefix: [person.female ? 'Ms.' : 'Mr.'] } : {}) }],
    telecom: [{ system: 'phone', value: `(${rng.pick(profile.address.areaCodes)}) 555-${rng.digits(4)}`, use: rng.chance(0.7) ? 'mobile' : 'home' }],
    gender: person.female ? 'female' : 'male',
    birthDate: fhirDate(person.birth),
    ...(person.death !== undefined ? { deceasedDateTime: fhirDateTime(person.death) } : { deceasedBoolean: false }),
    address: [{
      use: 'home',
      line: [`${rng.int(1, 9999)} ${rng.pick(STREETS)} ${rng.pick(STREET_KINDS)}`],
      city,
      state,
      postalCode: zip,
      country: 'US',
    }],
    maritalStatus: married ? coded(SYSTEM.maritalStatus, 'M', 'Married') : coded(SYSTEM.maritalStatus, 'S', 'Never Married'),
    communication: [{ language: coded('urn:ietf:bcp:47', 'en-US', 'English (United States)'), preferred: true }],
  };
  record.patientReference = record.add(patient);
}

function drawAddress(record: PatientRecord): { city: string; state: string; zip: string } {
  const { rng, profile } = record;
  const restricted = profile.address.restrictedZip3;
  if (restricted.length > 0 && rng.chance(profile.address.restrictedZipShare)) {
    const zip3 = rng.pick(restricted);
    return { city: 'Rural Route', state: profile.address.state, zip: `${zip3}${rng.digits(2)}` };
  }
  const city = rng.pick(profile.address.cities);
  return { city: city.name, state: profile.address.state, zip: `${city.zip3}${rng.digits(2)}` };
}
