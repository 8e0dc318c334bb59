/**
 * The compacted form of the journal: every stored version in commit order, the current version of each resource
 * with its index entries. Written to a temporary file, fsync'd and renamed over the old snapshot, so a crash
 * leaves either the old snapshot or the new one, never a mix. It records the sequence number of the last journal
 * record it includes, so journal records it already holds are skipped if the journal was not yet truncated.
 */
import { open, rename } from 'node:fs/promises';
import { decodeCodedLists, IndexCoder, type CodedLists } from './coded-index.ts';
import { decodePayload, FrameRoom, readFramedRecords } from './framing.ts';
import { currentVersion, type MemoryState } from './memory-state.ts';
import { toMemoryIndexEntries, type JournaledIndexEntries, type MemoryIndexEntries } from './record-codec.ts';
import { emptyIndexEntries } from '../types.ts';

const FORMAT = 'vitrine-embedded-snapshot';
/**
 * 3: versions as records with bodies, each record's index entries coded against its own string table
 * (coded-index.ts); 2: as records with bodies, the entries as JSON objects; 1: as JSON arrays. All are read.
 */
const FORMAT_VERSION = 3;
const READABLE_VERSIONS = [1, 2, 3];
const VERSIONS_PER_RECORD = 2000;
const NO_INDEX_ENTRIES = toMemoryIndexEntries(emptyIndexEntries());

interface SnapshotHeader {
  format: string;
  formatVersion: number;
  lastSequence: number;
}

/**
 * [type, id, vid, lastUpdated ms, deleted, json, index entries if this is the current version]. In a record with
 * bodies the header holds the JSON's length in bytes in its place, and the JSON is a body; in format 3 the header
 * is { indexTable: its length in bytes, versions } with the entries coded, and the table is the first body.
 */
type SnapshotVersion = [string, string, number, number, boolean, string, (MemoryIndexEntries | JournaledIndexEntries)?];
type SnapshotVersionHeader = [string, string, number, number, boolean, number, MemoryIndexEntries?];
type CodedVersionHeader = [string, string, number, number, boolean, number, CodedLists?];

export async function writeSnapshot(path: string, state: MemoryState, lastSequence: number): Promise<void> {
  const temporaryPath = `${path}.tmp`;
  const file = await open(temporaryPath, 'w');
  const room = new FrameRoom(); // each record is written before the next is framed
  const flush = async () => {
    await file.write(room.take());
  };
  // The current versions' entries are coded as they are added to the chunk (coded), against the chunk's table.
  const writeVersions = async (versions: SnapshotVersion[], coded: (string | undefined)[], coder: IndexCoder) => {
    room.addWithBodies({
      bodies: [coder.tableJson(), ...versions.map((v) => v[5])],
      header: (bodyBytes) => {
        const parts = [`{"indexTable":${bodyBytes[0]},"versions":[`];
        versions.forEach((v, i) => {
          const head = JSON.stringify([...v.slice(0, 5), bodyBytes[i + 1]]);
          parts.push(`${i === 0 ? '' : ','}${coded[i] === undefined ? head : `${head.slice(0, -1)},${coded[i]}]`}`);
        });
        parts.push(']}');
        return parts;
      },
    });
    await flush();
  };
  try {
    const header: SnapshotHeader = { format: FORMAT, formatVersion: FORMAT_VERSION, lastSequence };
    room.add([JSON.stringify(header)]);
    await flush();
    let chunk: SnapshotVersion[] = [];
    let coded: (string | undefined)[] = [];
    let coder = new IndexCoder();
    for (const version of state.allVersions.values()) {
      const record = state.records.get(`${version.type}/${version.id}`)!;
      chunk.push([version.type, version.id, version.vid, version.lastUpdated, version.deleted, version.json]);
      coded.push(currentVersion(record) === version ? coder.codeDocument(record.document) : undefined);
      if (chunk.length === VERSIONS_PER_RECORD) {
        await writeVersions(chunk, coded, coder);
        chunk = [];
        coded = [];
        coder = new IndexCoder();
      }
    }
    if (chunk.length > 0) await writeVersions(chunk, coded, coder);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporaryPath, path);
}

/** Loads a snapshot into an empty state; returns the sequence number of the last journal record it includes. */
export async function readSnapshot(path: string, state: MemoryState): Promise<number> {
  let header: SnapshotHeader | undefined;
  const result = await readFramedRecords(path, (payload) => {
    const decoded = decodePayload(payload);
    if (!header) {
      header = 'json' in decoded ? (JSON.parse(decoded.json) as SnapshotHeader) : undefined;
      if (header?.format !== FORMAT || !READABLE_VERSIONS.includes(header.formatVersion)) {
        throw new Error(`${path} is not a snapshot this version of the embedded store can read`);
      }
      return;
    }
    for (const [type, id, vid, lastUpdated, deleted, body, index] of versionsOf(decoded, header.formatVersion)) {
      // Older versions are applied with no index entries; the current version that follows replaces them.
      state.apply({ type, id, vid, lastUpdated, deleted, json: body, index: index ?? NO_INDEX_ENTRIES });
    }
  });
  // A snapshot is renamed into place only once complete, so any damage is real corruption.
  if (result.tornTail || !header) throw new Error(`${path} is damaged (${result.tornTail ?? 'no header'}); restore it from a backup`);
  return header.lastSequence;
}

/** The versions of one record: a JSON array (format 1) or a record with bodies (format 2, or 3 with coded entries). */
function versionsOf(decoded: ReturnType<typeof decodePayload>, formatVersion: number): SnapshotVersion[] {
  if ('json' in decoded) return JSON.parse(decoded.json) as SnapshotVersion[];
  if (formatVersion < 3) {
    const headers = JSON.parse(decoded.header) as SnapshotVersionHeader[];
    const bodies = decoded.bodies(headers.map((h) => h[5]));
    return headers.map((h, i) => [h[0], h[1], h[2], h[3], h[4], bodies[i], ...h.slice(6)] as SnapshotVersion);
  }
  const { indexTable, versions } = JSON.parse(decoded.header) as { indexTable: number; versions: CodedVersionHeader[] };
  const bodies = decoded.bodies([indexTable, ...versions.map((h) => h[5])]);
  const strings = JSON.parse(bodies[0]) as string[];
  return versions.map((h, i) => {
    const version: SnapshotVersion = [h[0], h[1], h[2], h[3], h[4], bodies[i + 1]];
    if (h[6]) version.push(decodeCodedLists(strings, h[6]));
    return version;
  });
}
