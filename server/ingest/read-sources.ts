/**
 * Reading the inputs of an ingest: files and directories of Bundles (transaction, batch, collection, searchset),
 * single resources, and bulk ndjson (https://hl7.org/fhir/uv/bulkdata/), each plain or gzip-compressed. ndjson is
 * streamed line by line, so its size does not matter; a Bundle is read whole when small, and streamed entry by entry
 * in two passes when large (bundle-file.ts), so memory does not grow with the input.
 */
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { createReadStream, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { createGunzip, gunzip } from 'node:zlib';
import { streamBundleFile } from './bundle-file.ts';
import type { SourceEntry, SourceIndex } from './source-references.ts';

/** Entries read together: one Bundle, or a run of ndjson lines. `problems` are lines or files that were not FHIR. */
export interface SourceUnit {
  source: string;
  entries: SourceEntry[];
  problems: string[];
  /** How references resolve, when it spans more than these entries (a streamed Bundle, indexed in a first pass). */
  index?: SourceIndex;
}

const NDJSON_LINES_PER_UNIT = 500;
/** JSON files up to this size on disk are parsed whole (one pass, fastest); larger ones are streamed entry by entry. */
const WHOLE_FILE_BYTES = 32 * 1024 * 1024;
/** A gzip file may hold ten times its size. */
const GZIP_RATIO = 10;

export interface ReadOptions {
  /** Override of the size above which a JSON file is streamed (tests). */
  wholeFileBytes?: number;
}
const INPUT = /\.(json|ndjson|jsonl)(\.gz)?$/i;

/** Every input file under the given paths, directories walked in name order. */
export async function listInputFiles(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (!info) throw new Error(`No such file or directory: ${p}`);
    if (info.isDirectory()) {
      const names = (await readdir(p)).sort();
      // A manifest beside the data (the seed generator's, a saved Bulk Data one) describes the files; it is no resource.
      const children = names.filter((n) => n !== 'manifest.json').map((n) => path.join(p, n)).filter((f) => INPUT.test(f) || isDirectorySync(f));
      files.push(...(await listInputFiles(children)));
    } else if (INPUT.test(p) || paths.includes(p)) {
      files.push(p);
    }
  }
  return files;
}

/** The units of every input, one at a time. */
export async function* readSources(paths: string[], options: ReadOptions = {}): AsyncGenerator<SourceUnit> {
  for await (const source of planSources(paths, options)) {
    if (isSourceFile(source)) yield* readSourceFile(source.file);
    else yield source;
  }
}

/** An input file small enough to be read whole (JSON) or at once (ndjson), left for its reader to open. */
export interface SourceFile {
  file: string;
  /** Its size once uncompressed (estimated for .gz), to batch files by the work they hold. */
  bytes: number;
}

export function isSourceFile(source: SourceFile | SourceUnit): source is SourceFile {
  return 'file' in source;
}

/**
 * What readSources reads, in the same order, except that every file small enough is handed out as a SourceFile
 * instead of being read here: a parallel ingest has its worker threads read and parse those, so the thread that
 * commits neither parses them nor copies the parsed resources to the workers. Only files too large to hold at once
 * (large Bundles, streamed in two passes with an index over the whole file; large ndjson) are read here, in units.
 */
export async function* planSources(paths: string[], options: ReadOptions = {}): AsyncGenerator<SourceFile | SourceUnit> {
  const limit = options.wholeFileBytes ?? WHOLE_FILE_BYTES;
  for (const file of await listInputFiles(paths)) {
    const bytes = (await stat(file)).size * (file.endsWith('.gz') ? GZIP_RATIO : 1);
    if (bytes <= limit) yield { file, bytes };
    else if (isNdjson(file)) yield* readNdjson(file);
    else yield* streamBundleFile(file);
  }
}

/** The units of one file that planSources handed out whole: its ndjson lines in runs, or its one JSON document. */
export async function* readSourceFile(file: string): AsyncGenerator<SourceUnit> {
  if (isNdjson(file)) yield* readNdjson(file);
  else yield await readJsonFile(file);
}

function isNdjson(file: string): boolean {
  return /\.(ndjson|jsonl)(\.gz)?$/i.test(file);
}

async function readJsonFile(file: string): Promise<SourceUnit> {
  const unit: SourceUnit = { source: file, entries: [], problems: [] };
  let json: unknown;
  try {
    const bytes = await readFile(file);
    const text = (file.endsWith('.gz') ? await promisify(gunzip)(bytes) : bytes).toString('utf8');
    json = JSON.parse(text);
  } catch (err) {
    unit.problems.push(`${file}: not readable JSON (${(err as Error).message})`);
    return unit;
  }
  addResource(unit, json, file);
  return unit;
}

/** The entries of one parsed JSON document (a Bundle or a single resource), e.g. a request body. */
export function sourceUnitOf(json: unknown, source: string): SourceUnit {
  const unit: SourceUnit = { source, entries: [], problems: [] };
  addResource(unit, json, source);
  return unit;
}

/** The units of ndjson text already in memory (a request body), in runs of lines like a file. */
export function* ndjsonTextUnits(text: string, source: string): Generator<SourceUnit> {
  let unit: SourceUnit = { source, entries: [], problems: [] };
  let lineNumber = 0;
  for (const line of text.split(/\r?\n/)) {
    lineNumber++;
    if (line.trim() === '') continue;
    addLine(unit, line, `${source}:${lineNumber}`);
    if (unit.entries.length >= NDJSON_LINES_PER_UNIT) {
      yield unit;
      unit = { source, entries: [], problems: [] };
    }
  }
  if (unit.entries.length > 0 || unit.problems.length > 0) yield unit;
}

function addLine(unit: SourceUnit, line: string, where: string): void {
  try {
    addResource(unit, JSON.parse(line), where);
  } catch (err) {
    unit.problems.push(`${where}: not valid JSON (${(err as Error).message})`);
  }
}

function addResource(unit: SourceUnit, json: unknown, where: string): void {
  const resource = json as Resource | undefined;
  if (!resource || typeof resource !== 'object' || typeof resource.resourceType !== 'string') {
    unit.problems.push(`${where}: not a FHIR resource (no resourceType)`);
    return;
  }
  if (resource.resourceType !== 'Bundle') {
    unit.entries.push({ resource });
    return;
  }
  ((resource as Bundle).entry ?? []).forEach((entry, i) => addBundleEntry(unit, entry, i, where));
}

/** One Bundle entry into the unit: its resource with its fullUrl, or a problem when it has none. */
export function addBundleEntry(unit: SourceUnit, entry: BundleEntry | undefined, i: number, where: string): void {
  if (entry?.resource) unit.entries.push({ resource: withSourceId(entry.resource, entry.fullUrl), fullUrl: entry.fullUrl });
  else if (entry?.request?.method !== 'DELETE') unit.problems.push(`${where}: entry ${i} has no resource`);
}

async function* readNdjson(file: string): AsyncGenerator<SourceUnit> {
  const raw = createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let unit: SourceUnit = { source: file, entries: [], problems: [] };
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    if (line.trim() === '') continue;
    addLine(unit, line, `${file}:${lineNumber}`);
    if (unit.entries.length >= NDJSON_LINES_PER_UNIT) {
      yield unit;
      unit = { source: file, entries: [], problems: [] };
    }
  }
  if (unit.entries.length > 0 || unit.problems.length > 0) yield unit;
}

function isDirectorySync(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** A resource POSTed in a transaction may have no id, only a fullUrl: its id for pseudonyms is the fullUrl's last part. */
export function withSourceId(resource: Resource, fullUrl: string | undefined): Resource {
  if (resource.id || !fullUrl) return resource;
  const id = /([A-Za-z0-9\-.]{1,64})$/.exec(fullUrl)?.[1];
  return id ? { ...resource, id } : resource;
}
