/** POST [base] with a batch or transaction Bundle. */
import type { Bundle } from '@medplum/fhirtypes';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { badRequest } from '../outcomes.ts';
import { requireResourceBody } from '../interactions/body.ts';
import { processBatch } from './batch.ts';
import type { Dispatch } from './dispatch.ts';
import { processTransaction } from './transaction.ts';

export async function processBundle(req: FhirRequest, ctx: FhirContext, dispatch: Dispatch): Promise<FhirResponse> {
  const bundle = requireResourceBody(req, 'Bundle') as Bundle;
  const entries = bundle.entry ?? [];
  if (entries.length > ctx.limits.maxBundleEntries) {
    throw badRequest(`A Bundle may hold at most ${ctx.limits.maxBundleEntries} entries; this one has ${entries.length}`, 'Bundle.entry');
  }
  if (bundle.type === 'transaction') return processTransaction(bundle, ctx, dispatch);
  if (bundle.type === 'batch') return processBatch(bundle, ctx, dispatch);
  throw badRequest(`POST to the base accepts a Bundle of type batch or transaction, not ${bundle.type}`, 'Bundle.type');
}
