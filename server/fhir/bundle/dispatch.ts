/** What Bundle processing needs from the router, and how an entry's failure names the entry. */
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { OperationOutcomeError, toOperationOutcomeError } from '../outcomes.ts';

export type Dispatch = (req: FhirRequest, ctx: FhirContext) => Promise<FhirResponse>;

/** Runs `work` for entry `index`; a failure is re-thrown with the entry named in every issue. */
export async function atEntry<T>(index: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const error = toOperationOutcomeError(err);
    const issues = (error.outcome.issue ?? []).map((i) => ({
      ...i,
      diagnostics: `Bundle.entry[${index}]: ${i.diagnostics ?? ''}`,
      expression: [...(i.expression ?? []), `Bundle.entry[${index}]`],
    }));
    throw new OperationOutcomeError({ ...error.outcome, issue: issues }, error.status);
  }
}
