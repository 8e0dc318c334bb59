/** Dates as UTC milliseconds and their FHIR forms. Every date derives from the profile's reference date. */

export const DAY_MS = 86_400_000;
export const YEAR_MS = 365.25 * DAY_MS;

export function parseDay(day: string): number {
  return Date.parse(`${day}T00:00:00Z`);
}

/** FHIR date: YYYY-MM-DD. */
export function fhirDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** FHIR dateTime/instant at second precision, in UTC. */
export function fhirDateTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** Age in whole years at a date. */
export function ageAt(birth: number, at: number): number {
  return Math.floor((at - birth) / YEAR_MS);
}

/** Age in fractional years at a date. */
export function yearsBetween(from: number, to: number): number {
  return (to - from) / YEAR_MS;
}

/** A time of day during opening hours, so visits do not all start at midnight. */
export function atClinicHour(dayMs: number, minutesAfterEight: number): number {
  return Math.floor(dayMs / DAY_MS) * DAY_MS + (8 * 60 + minutesAfterEight) * 60_000;
}
