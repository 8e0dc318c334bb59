/** batch Bundles: each entry on its own, failures reported per entry: https://hl7.org/fhir/R4/http.html#transaction */
import type { Bundle } from '@medplum/fhirtypes';
import type { FhirContext, FhirResponse } from '../context.ts';
import { toOperationOutcomeError } from '../outcomes.ts';
import type { Dispatch } from './dispatch.ts';
import { entryRequest, responseEntry } from './entries.ts';

export async function processBatch(bundle: Bundle, ctx: FhirContext, dispatch: Dispatch): Promise<FhirResponse> {
  const responses: FhirResponse[] = [];
  for (const [i, entry] of (bundle.entry ?? []).entries()) {
    try {
      responses.push(await dispatch(entryRequest(entry, i), ctx));
    } catch (err) {
      const error = toOperationOutcomeError(err);
      responses.push({ status: error.status, resource: error.outcome });
    }
  }
  const result: Bundle = { resourceType: 'Bundle', type: 'batch-response', entry: responses.map(responseEntry) };
  return { status: 200, resource: result };
}
