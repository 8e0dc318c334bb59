/**
 * Output formats, streamed to disk one patient at a time so memory stays constant for any N:
 * - `bundle`: one FHIR transaction Bundle per patient (https://hl7.org/fhir/R4/http.html#transaction), entries
 *   POSTed with `urn:uuid:` fullUrls that the server resolves;
 * - `ndjson`: one file per resource type, one resource per line, with `Type/id` references, as Bulk Data export
 *   writes them (https://hl7.org/fhir/uv/bulkdata/export.html).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import type { Bundle } from '@medplum/fhirtypes';
import type { GeneratedResource, ReferenceStyle } from './record.ts';

export type SeedFormat = 'bundle' | 'ndjson';

export interface PatientWriter {
  readonly referenceStyle: ReferenceStyle;
  /** Writes one patient's resources; returns the bytes written. */
  write(patientNumber: number, resources: GeneratedResource[]): Promise<number>;
  close(): Promise<void>;
}

/** The transaction Bundle of one patient. */
export function transactionBundle(resources: GeneratedResource[]): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map(({ resource, reference }) => ({
      fullUrl: reference,
      resource,
      request: { method: 'POST', url: resource.resourceType },
    })),
  };
}

export function bundleFileName(patientNumber: number): string {
  return `patient-${String(patientNumber).padStart(6, '0')}.json`;
}

export function bundleWriter(dir: string): PatientWriter {
  return {
    referenceStyle: 'urn:uuid',
    async write(patientNumber, resources) {
      const text = `${JSON.stringify(transactionBundle(resources))}\n`;
      await writeFile(path.join(dir, bundleFileName(patientNumber)), text);
      return Buffer.byteLength(text);
    },
    async close() {},
  };
}

export function ndjsonWriter(dir: string): PatientWriter {
  const streams = new Map<string, WriteStream>();
  let failure: Error | undefined;
  const streamFor = (type: string) => {
    let stream = streams.get(type);
    if (!stream) {
      stream = createWriteStream(path.join(dir, `${type}.ndjson`));
      stream.on('error', (err) => (failure ??= err));
      streams.set(type, stream);
    }
    return stream;
  };
  return {
    referenceStyle: 'relative',
    async write(_patientNumber, resources) {
      if (failure) throw failure;
      let bytes = 0;
      const full = new Set<WriteStream>();
      for (const { resource } of resources) {
        const line = `${JSON.stringify(resource)}\n`;
        bytes += Buffer.byteLength(line);
        const stream = streamFor(resource.resourceType);
        if (!stream.write(line)) full.add(stream);
      }
      // Backpressure: a slow disk slows the generator down instead of filling memory.
      await Promise.all([...full].map((stream) => once(stream, 'drain')));
      return bytes;
    },
    async close() {
      await Promise.all([...streams.values()].map((stream) => new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())))));
    },
  };
}
