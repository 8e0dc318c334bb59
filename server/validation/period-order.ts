/**
 * per-1 on Period (https://hl7.org/fhir/R4/datatypes.html#Period): "If present, start SHALL have a lower value
 * than end", expression `start.hasValue().not() or end.hasValue().not() or (start <= end)`.
 *
 * `start <= end` follows FHIRPath's comparison of dates and times (https://hl7.org/fhirpath/#comparison): the
 * two are compared field by field down to the precision they share; the first field that differs decides; when
 * they agree down to that precision but one goes further (`2023-06-21` against `2023-06-21T06:20:00Z`), the
 * result is empty, unknown. Times are compared as instants (seconds and milliseconds are one precision), and a
 * dateTime with a time meets a date as its UTC calendar date, as the HL7 Java validator converts it to UTC.
 *
 * Unknown fails the constraint: the Java validator counts an invariant that does not evaluate to true as
 * failed, and an instance that cannot show its start is not after its end does not meet "SHALL have a lower
 * value". So a date and a dateTime on the same day fail, as the validator's test case encounter-period expects;
 * a date before the dateTime's day passes. (Comparing ranges instead, the date's first instant against the
 * dateTime, would accept that case where the Java validator refuses it.)
 */

const DATE_TIME = /^(\d{4}(?:-\d{2}(?:-\d{2})?)?)(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** Undefined when per-1 holds for `start` and `end`, else why not. Values that are not dates are the schema's. */
export function periodOrderProblem(start: string, end: string): string | undefined {
  const order = compareDateTimes(start, end);
  if (order === 'unparsed' || (typeof order === 'number' && order <= 0)) return undefined;
  if (order === 'unknown') {
    return `start ${start} and end ${end} agree to the precision they share, so start cannot be shown to come first`;
  }
  return '';
}

type Order = number | 'unknown' | 'unparsed';

/** FHIRPath's order of two dates or dateTimes: negative, 0 or positive, or unknown (see above). */
export function compareDateTimes(a: string, b: string): Order {
  const left = DATE_TIME.exec(a);
  const right = DATE_TIME.exec(b);
  if (!left || !right) return 'unparsed';
  if (left[2] && right[2]) {
    const difference = instant(a, left[3]) - instant(b, right[3]);
    return Number.isNaN(difference) ? 'unparsed' : difference;
  }
  const leftDate = calendarDate(a, left);
  const rightDate = calendarDate(b, right);
  const shared = Math.min(leftDate.length, rightDate.length);
  const x = leftDate.slice(0, shared);
  const y = rightDate.slice(0, shared);
  if (x !== y) return x < y ? -1 : 1;
  return leftDate.length === rightDate.length && !left[2] && !right[2] ? 0 : 'unknown';
}

/** Milliseconds since the epoch; a time without a zone (which FHIR forbids) is read as UTC, not as local time. */
function instant(value: string, zone: string | undefined): number {
  return Date.parse(zone ? value : `${value}Z`);
}

/** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; a dateTime with a time gives its UTC calendar date. */
function calendarDate(value: string, parts: RegExpExecArray): string {
  if (!parts[2]) return parts[1];
  const time = instant(value, parts[3]);
  return Number.isNaN(time) ? parts[1] : new Date(time).toISOString().slice(0, 10);
}
