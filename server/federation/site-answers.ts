/**
 * Reading what a site released. A site's aggregate answer is already through its own disclosure policy: a number,
 * or a suppressed cell. These readers accept only the shapes a site produces and treat anything else as malformed.
 */
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';

export interface ReleasedCount {
  /** The released value; undefined when the site suppressed it. */
  value?: number;
  suppressed: boolean;
}

/** A `_summary=count` searchset: `total`, or no total and an issue saying the count was suppressed. */
export function readReleasedCount(body: unknown): ReleasedCount | undefined {
  const bundle = body as Bundle;
  if (bundle?.resourceType !== 'Bundle' || bundle.type !== 'searchset') return undefined;
  if (typeof bundle.total === 'number' && Number.isFinite(bundle.total) && bundle.total >= 0) return { value: bundle.total, suppressed: false };
  if (bundle.meta?.tag?.some((t) => t.code === 'suppressed')) return { suppressed: true };
  const outcome = bundle.entry?.find((e) => e.resource?.resourceType === 'OperationOutcome')?.resource as OperationOutcome | undefined;
  if (outcome?.issue?.some((i) => i.code === 'suppressed' || i.details?.coding?.some((c) => c.code === 'suppressed'))) return { suppressed: true };
  return undefined;
}
