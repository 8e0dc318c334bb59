/**
 * The stored form (JSON text and index entries) of a request's AuditEvent, made once for requests alike but for
 * when they came. An event is a pure function of its AccessRecord (balp-audit-event.ts); two records alike but for
 * their time and request id give events that differ only in four values: the id, meta.lastUpdated, `recorded` and
 * the request id extension. So the event's JSON text is kept with holes for those four, and its index entries
 * without those of `recorded` (the id, lastUpdated and extension are indexed by no AuditEvent parameter, and only
 * `date` reads `recorded`, nothing else), joined with the entries of `recorded` alone. Exactly what serializing and
 * extracting the whole event gives (test/request-event-cache.test.ts); a repeated request (a client reading the
 * same resources, polling the same search, asking for tokens) then costs a few joins instead of making,
 * serializing and indexing an event.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { extractIndexEntries } from '../search/extract.ts';
import type { IndexEntries, StoreWrite } from '../store/types.ts';
import { auditEventOf, type AccessRecord } from './balp-audit-event.ts';
import { storeWriteOf } from './event-writer.ts';

/** Templates kept, at most; when full, they are all let go and made again as requests repeat. */
const CAPACITY = 2000;
/**
 * Slots of the table of records seen once (a hash of the key each): a template is made for a record seen a
 * second time, so requests that never repeat cost a key and a hash each, and no template that would only take
 * memory. A slot holds the last hash that fell in it; two keys of one hash make a template early, which costs
 * nothing but the template.
 */
const SEEN_SLOTS = 16384;
/** Stand-ins for the four values, which JSON.stringify writes as escapes no real value here makes. */
const HOLES = { id: '\u0001id\u0001', lastUpdated: '\u0001lastUpdated\u0001', recorded: '\u0001recorded\u0001', requestId: '\u0001requestId\u0001' };
type Hole = keyof typeof HOLES;

interface Template {
  /** The JSON text around the holes, and which value goes in each hole, in order. */
  parts: string[];
  holes: Hole[];
  /** The index entries of the event without `recorded`. */
  entries: IndexEntries;
}

export class RequestEventCache {
  /** By the rest of the record; null where a record's own values hold a stand-in (then nothing is kept). */
  private readonly templates = new Map<string, Template | null>();
  private readonly seenOnce = new Uint32Array(SEEN_SLOTS);

  constructor(private readonly serverName: string) {}

  /** The stored form of the AuditEvent of `record`, under `id` at `lastUpdated`. */
  storeWriteOf(record: AccessRecord, id: string, lastUpdated: Date): StoreWrite {
    const { at, requestId } = record;
    const key = keyOf(record);
    let template = this.templates.get(key);
    if (template === undefined) {
      const hash = hashOf(key);
      const slot = hash & (SEEN_SLOTS - 1);
      if (this.seenOnce[slot] === hash) {
        template = templateOf(record, this.serverName);
        if (this.templates.size >= CAPACITY) this.templates.clear();
        this.templates.set(key, template);
      } else {
        this.seenOnce[slot] = hash;
      }
    }
    if (!template) return storeWriteOf(auditEventOf(record, this.serverName, id, lastUpdated.toISOString()));
    const recorded = at.toISOString();
    const values: Record<Hole, string | undefined> = { id, lastUpdated: lastUpdated.toISOString(), recorded, requestId };
    let json = template.parts[0];
    for (let i = 0; i < template.holes.length; i++) json += JSON.stringify(values[template.holes[i]]) + template.parts[i + 1];
    const index = joined(template.entries, extractIndexEntries({ resourceType: 'AuditEvent', recorded } as AuditEvent));
    return { type: 'AuditEvent', id, vid: 1, lastUpdated, deleted: false, json, expectedVid: 0, index };
  }
}

function templateOf(record: AccessRecord, serverName: string): Template | null {
  const event = auditEventOf(record, serverName, HOLES.id, HOLES.lastUpdated);
  event.recorded = HOLES.recorded;
  const holes: Hole[] = ['id', 'lastUpdated', 'recorded'];
  if (record.requestId) {
    event.extension![0].valueString = HOLES.requestId;
    holes.push('requestId');
  }
  const json = JSON.stringify(event);
  const at = holes.map((hole) => ({ hole, text: JSON.stringify(HOLES[hole]), position: json.indexOf(JSON.stringify(HOLES[hole])) }));
  if (at.some(({ text, position }) => position < 0 || json.indexOf(text, position + 1) >= 0)) return null;
  at.sort((a, b) => a.position - b.position);
  const parts: string[] = [];
  let from = 0;
  for (const { text, position } of at) {
    parts.push(json.slice(from, position));
    from = position + text.length;
  }
  parts.push(json.slice(from));
  return { parts, holes: at.map((a) => a.hole), entries: frozen(extractIndexEntries({ ...event, recorded: undefined } as unknown as AuditEvent)) };
}

/**
 * What an event is made of but for its time and request id (whether it has one, not which), as text: the fields
 * in a fixed order, as JSON (which no field's value can run into the next one's).
 */
function keyOf(r: AccessRecord): string {
  return JSON.stringify([r.interaction, r.method, r.url, r.status, r.reason, r.clientId, r.onBehalfOf, r.purposeOfUse, r.role, r.patient, r.resource, r.query, r.clientAddress, r.requestId !== undefined && r.requestId !== '']);
}

/** FNV-1a, 32 bits, never 0 (an empty slot). */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash | 1) >>> 0;
}

/**
 * The entries of two parts of a resource that no parameter reads both of. A list one part has none of is the
 * other's own (not a copy): the template's lists are frozen, so an event's entries can be read, never changed.
 */
function joined(a: IndexEntries, b: IndexEntries): IndexEntries {
  const list = <T>(x: T[], y: T[]): T[] => (y.length === 0 ? x : x.length === 0 ? y : [...x, ...y]);
  const keys = <T extends object>(x: T, y: T): T => (isEmpty(y) ? x : isEmpty(x) ? y : { ...x, ...y });
  return {
    compartments: list(a.compartments, b.compartments),
    tok: list(a.tok, b.tok),
    ref: list(a.ref, b.ref),
    str: list(a.str, b.str),
    dt: list(a.dt, b.dt),
    num: list(a.num, b.num),
    uri: list(a.uri, b.uri),
    txt: list(a.txt, b.txt),
    srt: keys(a.srt, b.srt),
    srtHi: keys(a.srtHi, b.srtHi),
  };
}

function isEmpty(record: object): boolean {
  for (const _ in record) return false;
  return true;
}

/** Entries shared by every event made from a template, frozen so that no reader can change them for the others. */
function frozen(entries: IndexEntries): IndexEntries {
  for (const value of Object.values(entries)) Object.freeze(value);
  return Object.freeze(entries);
}
