/**
 * Where de-identified resources go: a store opened directly (the same WriteSession and pipeline as the REST API,
 * many resources per commit), or a running site over HTTP (batch Bundles of PUTs to its /fhir).
 */
import type { Bundle, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { ResourcePipeline } from '../fhir/pipeline.ts';
import { OperationOutcomeError } from '../fhir/outcomes.ts';
import { WriteSession } from '../fhir/write-session.ts';
import type { Store } from '../store/types.ts';
import type { SummaryCounter } from './ingest-summary.ts';

export interface IngestTarget {
  /** Writes the resources (already de-identified, with pseudonymous ids), counting each in the summary. */
  write(resources: Resource[], counter: SummaryCounter): Promise<void>;
}

/** Writes through a WriteSession in one commit per call; a resource equal to the stored one is left as it is. */
export class StoreTarget implements IngestTarget {
  constructor(
    private readonly store: Store,
    private readonly pipeline: ResourcePipeline,
  ) {}

  async write(resources: Resource[], counter: SummaryCounter): Promise<void> {
    const session = new WriteSession(this.store, this.pipeline);
    const staged = new Map<string, string>();
    for (const resource of resources) {
      const key = `${resource.resourceType}/${resource.id}`;
      const content = JSON.stringify(resource);
      if (staged.get(key) === content || (await this.isUnchanged(session, resource, content))) {
        counter.count(resource.resourceType, 'unchanged');
        continue;
      }
      try {
        await session.update(resource.resourceType, resource.id!, resource);
        staged.set(key, content);
        counter.count(resource.resourceType, 'written');
      } catch (err) {
        if (!(err instanceof OperationOutcomeError)) throw err;
        counter.refuse(resource.resourceType, describeOutcome(resource.resourceType, err.outcome));
      }
    }
    await session.commit();
  }

  /** The stored version without its server meta, compared with what would be written. */
  private async isUnchanged(session: WriteSession, resource: Resource, content: string): Promise<boolean> {
    const current = await session.current(resource.resourceType, resource.id!);
    if (!current || current.deleted) return false;
    const stored = JSON.parse(current.json) as Resource;
    if (stored.meta) {
      delete stored.meta.versionId;
      delete stored.meta.lastUpdated;
    }
    return JSON.stringify(stored) === content;
  }
}

/** Posts batch Bundles of PUT entries to a site's FHIR base; each entry succeeds or is refused on its own. */
export class UrlTarget implements IngestTarget {
  constructor(
    private readonly baseUrl: string,
    private readonly headers: Record<string, string> = {},
  ) {}

  async write(resources: Resource[], counter: SummaryCounter): Promise<void> {
    if (resources.length === 0) return;
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: resources.map((resource) => ({ resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } })),
    };
    const response = await fetch(this.baseUrl.replace(/\/$/, ''), {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', accept: 'application/fhir+json', ...this.headers },
      body: JSON.stringify(bundle),
    });
    const body = (await response.json().catch(() => undefined)) as Bundle | OperationOutcome | undefined;
    if (!response.ok || body?.resourceType !== 'Bundle') {
      const detail = body?.resourceType === 'OperationOutcome' ? describeOutcome('Bundle', body) : `HTTP ${response.status}`;
      throw new Error(`The site refused the batch: ${detail}`);
    }
    resources.forEach((resource, i) => {
      const entry = body.entry?.[i]?.response;
      const status = Number(entry?.status?.split(' ')[0]);
      if (status >= 200 && status < 300) counter.count(resource.resourceType, 'written');
      else counter.refuse(resource.resourceType, entry?.outcome ? describeOutcome(resource.resourceType, entry.outcome as OperationOutcome) : `HTTP ${status}`);
    });
  }
}

/** The first error of an outcome with the element it names: "Patient.name: ..." */
export function describeOutcome(type: string, outcome: OperationOutcome): string {
  const issue = outcome.issue?.find((i) => i.severity === 'error' || i.severity === 'fatal') ?? outcome.issue?.[0];
  const where = issue?.expression?.[0] ?? type;
  return `${where}: ${issue?.diagnostics ?? issue?.details?.text ?? issue?.code ?? 'refused'}`;
}
