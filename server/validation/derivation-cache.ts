/**
 * Data derived from large input files, kept on disk between processes: the 37 MB of R4 StructureDefinitions that
 * validation reduces to what it needs take ~0.7-1.2 s a process to parse and reduce (and so delay every CLI command,
 * site start and ingest), and ~0.1 s to read back. An entry is keyed by the input files (path, size, modification
 * time, and the package.json of the package holding them), by the text of the modules whose code derives it, and by
 * the V8 version (the serialization format): change any of them and it is derived anew. Any failure to read or
 * write the cache only means deriving again.
 * The cache lives in node_modules/.cache/vitrine (where tools keep caches), or in VITRINE_CACHE_DIR; set that to
 * `off` to derive every time. Whoever can write there can change what runs (structure.ts keeps validators' code in
 * it), as with node_modules itself: never point it at a directory other users can write.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { threadId } from 'node:worker_threads';

const DEFAULT_DIR = fileURLToPath(new URL('../../node_modules/.cache/vitrine', import.meta.url));

export interface DerivationInputs {
  /** The files the data is derived from. */
  files: string[];
  /** The modules whose code derives it (import.meta.url of each). */
  code: string[];
}

/** `derive()`, or what an earlier process derived from the same inputs with the same code. */
export function cachedDerivation<T>(name: string, inputs: DerivationInputs, derive: () => T): T {
  const dir = derivationCacheDir();
  const file = dir && cacheFile(dir, name, inputs);
  if (!file) return derive();
  try {
    return v8.deserialize(readFileSync(file)) as T;
  } catch {
    // Not cached yet, or unreadable: derived below.
  }
  const value = derive();
  store(dir, name, file, value);
  return value;
}

/** The cache's directory; undefined when it is off. */
export function derivationCacheDir(): string | undefined {
  const dir = process.env.VITRINE_CACHE_DIR ?? DEFAULT_DIR;
  return dir === 'off' || dir === '' ? undefined : dir;
}

/** The entry's path, or undefined when an input cannot be read (deriving will say why). */
function cacheFile(dir: string, name: string, inputs: DerivationInputs): string | undefined {
  const hash = createHash('sha256').update(`${name}\0${process.versions.v8}\0`);
  try {
    for (const input of inputs.files) {
      const { size, mtimeMs } = statSync(input);
      // npm gives every file it installs the same modification time: the version of the package says what changed.
      hash.update(`${input}\0${size}\0${mtimeMs}\0${owningPackage(input)}\0`);
    }
    for (const module of inputs.code) hash.update(moduleText(module)).update('\0');
  } catch {
    return undefined;
  }
  return path.join(dir, `${name}-${hash.digest('hex').slice(0, HASH_DIGITS)}.v8`);
}

const HASH_DIGITS = 24;

// Read once a thread: every resource type's validator is keyed by the same modules, and a module's code cannot change
// under the process that runs it (a package can be upgraded under it: its package.json is read each time).
const moduleTexts = new Map<string, Buffer>();

function moduleText(url: string): Buffer {
  let text = moduleTexts.get(url);
  if (!text) moduleTexts.set(url, (text = readFileSync(fileURLToPath(url))));
  return text;
}

/** The text of the package.json nearest above `file` ('' when there is none), which names the package's version. */
function owningPackage(file: string): string {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      return readFileSync(path.join(dir, 'package.json'), 'utf8');
    } catch {
      if (path.dirname(dir) === dir) return '';
    }
  }
}

/** Whether a file of the cache directory is an entry of `name` (and not of a name that merely starts the same). */
function isEntryOf(name: string, entry: string): boolean {
  const suffix = entry.slice(name.length);
  return entry.startsWith(name) && suffix.length === HASH_DIGITS + 4 && /^-[0-9a-f]+\.v8$/.test(suffix);
}

/** Writes the entry whole or not at all (renamed into place), and removes the entries of the same name it replaces. */
function store(dir: string, name: string, file: string, value: unknown): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeWhole(file, v8.serialize(value));
    for (const entry of readdirSync(dir)) {
      if (isEntryOf(name, entry) && path.join(dir, entry) !== file) unlinkSync(path.join(dir, entry));
    }
  } catch {
    // A read-only or full disk: the next process derives again.
  }
}

/** Writes a cache file under a temporary name and renames it into place: a reader never sees half of one. */
export function writeWhole(file: string, contents: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}-${threadId}.tmp`;
  try {
    writeFileSync(temporary, contents);
    renameSync(temporary, file);
  } catch (err) {
    try {
      unlinkSync(temporary);
    } catch {
      // never written
    }
    throw err;
  }
}
