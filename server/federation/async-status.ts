/** The status URL of an asynchronous hub request: https://hl7.org/fhir/R4/async.html */
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { STATUS_CODES } from 'node:http';
import type { FhirRequest, FhirResponse } from '../fhir/context.ts';
import { informational, notFound } from '../fhir/outcomes.ts';
import type { HubContext } from './hub-context.ts';

const owner = (hub: HubContext) => hub.caller?.clientId ?? 'anonymous';

export async function asyncStatus(_req: FhirRequest, hub: HubContext, id: string): Promise<FhirResponse> {
  const job = hub.jobs.get(id, owner(hub));
  if (!job) throw notFound(`No asynchronous request ${id} (it may have expired)`);
  if (!job.result) return { status: 202, headers: { 'X-Progress': job.progress, 'Retry-After': '1' } };
  // The completed request is answered as a batch-response holding the original response.
  const resource = job.result.resource ?? (job.result.json ? (JSON.parse(job.result.json) as Resource) : undefined);
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'batch-response',
    entry: [{ resource, response: { status: `${job.result.status} ${STATUS_CODES[job.result.status] ?? ''}`.trim() } }],
  };
  return { status: 200, resource: bundle };
}

export async function cancelAsync(_req: FhirRequest, hub: HubContext, id: string): Promise<FhirResponse> {
  if (!hub.jobs.cancel(id, owner(hub))) throw notFound(`No asynchronous request ${id}`);
  return { status: 202, resource: informational(`Asynchronous request ${id} cancelled`) };
}

export function asyncOwner(hub: HubContext): string {
  return owner(hub);
}
