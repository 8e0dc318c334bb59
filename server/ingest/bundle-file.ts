/**
 * A large Bundle file, streamed in constant memory (one entry at a time, plus the small reference index): a first
 * pass notes what references need (fullUrls and identifiers to type and id, server/ingest/source-references.ts),
 * a second yields the entries in units that share that index. https://hl7.org/fhir/R4/bundle.html#references
 */
import type { BundleEntry } from '@medplum/fhirtypes';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { BundleEntryScanner } from './bundle-stream.ts';
import { addBundleEntry, withSourceId, type SourceUnit } from './read-sources.ts';
import { SourceIndex } from './source-references.ts';

const ENTRIES_PER_UNIT = 500;

/** The file's entries in units of ENTRIES_PER_UNIT; a file that is not a readable Bundle yields one unit with the problem. */
export async function* streamBundleFile(file: string): AsyncGenerator<SourceUnit> {
  const index = new SourceIndex();
  try {
    const header = await scanFile(file, (entry) => {
      const e = entry as BundleEntry | undefined;
      if (e?.resource) index.add({ resource: withSourceId(e.resource, e.fullUrl), fullUrl: e.fullUrl });
    });
    if (header.resourceType !== 'Bundle') {
      yield { source: file, entries: [], problems: [`${file}: a large JSON file must be a Bundle (it holds ${describeType(header.resourceType)})`] };
      return;
    }
  } catch (err) {
    yield { source: file, entries: [], problems: [`${file}: not readable JSON (${(err as Error).message})`] };
    return;
  }
  const pending: SourceUnit[] = [];
  let unit: SourceUnit = { source: file, entries: [], problems: [], index };
  let position = 0;
  const scanner = new BundleEntryScanner((entry) => {
    addBundleEntry(unit, entry as BundleEntry, position++, file);
    if (unit.entries.length >= ENTRIES_PER_UNIT) {
      pending.push(unit);
      unit = { source: file, entries: [], problems: [], index };
    }
  });
  // The first pass read the whole file, so the second one cannot fail unless the file changed meanwhile.
  for await (const chunk of textOf(file)) {
    scanner.write(chunk);
    while (pending.length > 0) yield pending.shift()!;
  }
  scanner.end();
  if (unit.entries.length > 0 || unit.problems.length > 0) yield unit;
}

/** Reads the file through the scanner and returns its top-level members other than `entry`. */
async function scanFile(file: string, onEntry: (entry: unknown) => void): Promise<Record<string, unknown>> {
  const scanner = new BundleEntryScanner(onEntry);
  for await (const chunk of textOf(file)) scanner.write(chunk);
  scanner.end();
  return scanner.header;
}

/** The file's text in chunks, gunzipped when it ends in .gz; pulled, so a slow consumer holds the reader back. */
function textOf(file: string): AsyncIterable<string> {
  const raw = createReadStream(file);
  const stream = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  if (stream !== raw) raw.on('error', (err) => stream.destroy(err));
  stream.setEncoding('utf8');
  return stream;
}

function describeType(type: unknown): string {
  return typeof type === 'string' ? `a ${type}` : 'no resourceType';
}
