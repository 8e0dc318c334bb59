/**
 * Date arithmetic for Safe Harbor (45 CFR 164.514(b)(2)(i)(C)): dates reduced to the year, ages over 89 folded
 * into one category, and the keyed per-patient shift of the limited-shift rule set.
 * Formats: https://hl7.org/fhir/R4/datatypes.html#date
 */
const DAY_MS = 86_400_000;

/** The year of a FHIR date, dateTime or instant. */
export const yearOf = (value: string): number => Number(value.slice(0, 4));

/**
 * A birth year, folded when the person is 90 or older at `referenceYear`: every such birth year becomes
 * referenceYear - 90, the single "90 or older" category Safe Harbor allows.
 */
export function foldBirthYear(year: number, referenceYear: number): number {
  return Math.max(year, referenceYear - 90);
}

/** True when a birth date (any precision) implies an age of 90 or more at the reference year. */
export const impliesAgeOver89 = (value: string, referenceYear: number): boolean => referenceYear - yearOf(value) >= 90;

/**
 * A date moved by `days`, kept to the day: a year stays as it is (there is no day to move), a year-month moves by
 * its middle, anything finer becomes a date (an instant becomes that day at midnight UTC, as instants need a time).
 */
export function shiftDate(value: string, days: number, type: string): string {
  if (value.length === 4) return value;
  if (value.length === 7) return isoDay(Date.parse(`${value}-15T00:00:00Z`) + days * DAY_MS).slice(0, 7);
  const day = isoDay(Date.parse(`${value.slice(0, 10)}T00:00:00Z`) + days * DAY_MS);
  return type === 'instant' ? `${day}T00:00:00Z` : day;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const YEARS_PER_UNIT: Record<string, number> = { a: 1, mo: 1 / 12, wk: 7 / 365.25, d: 1 / 365.25, h: 1 / 8766, min: 1 / 525_960 };

/** An age in years from a Quantity's UCUM code (or unit text), or undefined when the unit is not a time unit. */
export function ageInYears(value: number, code: string | undefined): number | undefined {
  const unit = code === 'year' || code === 'years' || code === 'yr' ? 'a' : code;
  const factor = unit === undefined ? undefined : YEARS_PER_UNIT[unit];
  return factor === undefined ? undefined : value * factor;
}
