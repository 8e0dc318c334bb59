/**
 * A stand-in for the de-identification pipeline (issue 3) while it is being built: removes the direct
 * identifiers the generator puts on a Patient (name, telecom, street address, MRN/SSN, exact birth and death
 * dates) and zeroes 3-digit ZIP areas. Only the demo seeding uses it; delete it when seedSite calls the ingest.
 */
import type { Patient, Resource } from '@medplum/fhirtypes';

/** 3-digit ZIP areas with fewer than 20,000 people (HIPAA Safe Harbor §164.514(b)(2)(i)(B)). */
const RESTRICTED_ZIP3 = new Set(['036', '059', '063', '102', '203', '556', '692', '790', '821', '823', '830', '831', '878', '879', '884', '890', '893']);

export function stripIdentifiers(resource: Resource): Resource {
  if (resource.resourceType !== 'Patient') return resource;
  const { name: _name, telecom: _telecom, identifier: _identifier, address, birthDate, deceasedDateTime, ...rest } = resource as Patient;
  const zip3 = address?.[0]?.postalCode?.slice(0, 3);
  const patient: Patient = {
    ...rest,
    ...(birthDate ? { birthDate: birthDate.slice(0, 4) } : {}),
    ...(deceasedDateTime ? { deceasedDateTime: deceasedDateTime.slice(0, 4) } : {}),
    ...(address?.[0] ? { address: [{ state: address[0].state, postalCode: zip3 && !RESTRICTED_ZIP3.has(zip3) ? zip3 : '000', country: address[0].country }] } : {}),
  };
  return patient;
}
