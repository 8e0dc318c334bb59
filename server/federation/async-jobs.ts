/**
 * FHIR asynchronous requests at the hub (`Prefer: respond-async`): the work runs in the background, the client
 * polls a status URL (202 with X-Progress while running) and gets the result once, for a limited time.
 * https://hl7.org/fhir/R4/async.html
 */
import { randomUUID } from 'node:crypto';
import type { FhirResponse } from '../fhir/context.ts';
import { toOperationOutcomeError } from '../fhir/outcomes.ts';

interface Job {
  id: string;
  owner: string;
  startedAt: number;
  progress: string;
  result?: FhirResponse;
  expiresAt?: number;
}

export class AsyncJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly ttlMs: number) {}

  /** Starts `work` in the background; the job belongs to `owner` (a client id) and only they may read it. */
  start(owner: string, request: string, work: () => Promise<FhirResponse>): string {
    this.expire();
    const job: Job = { id: randomUUID(), owner, startedAt: Date.now(), progress: `running: ${request}` };
    this.jobs.set(job.id, job);
    work().then(
      (result) => this.finish(job, result),
      (err) => {
        const error = toOperationOutcomeError(err);
        this.finish(job, { status: error.status, resource: error.outcome });
      },
    );
    return job.id;
  }

  /** The job, if it exists, has not expired and belongs to `owner`. */
  get(id: string, owner: string): Job | undefined {
    this.expire();
    const job = this.jobs.get(id);
    return job && job.owner === owner ? job : undefined;
  }

  cancel(id: string, owner: string): boolean {
    const job = this.get(id, owner);
    if (job) this.jobs.delete(id);
    return Boolean(job);
  }

  private finish(job: Job, result: FhirResponse): void {
    if (!this.jobs.has(job.id)) return; // cancelled meanwhile
    job.result = result;
    job.progress = 'complete';
    job.expiresAt = Date.now() + this.ttlMs;
  }

  private expire(): void {
    const now = Date.now();
    for (const [id, job] of this.jobs) if (job.expiresAt !== undefined && job.expiresAt < now) this.jobs.delete(id);
  }
}
