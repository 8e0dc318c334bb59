/**
 * The index entries of a request's AuditEvent, remembered for requests alike but for when they came: an event is
 * a pure function of its AccessRecord (balp-audit-event.ts), and of the AuditEvent search parameters only `date`
 * reads what differs between two such requests (`recorded`; the id, lastUpdated and request id are indexed by no
 * parameter). So the entries of the event without `recorded` are kept by the rest of the record, and joined with
 * those of `recorded` alone: exactly what the extractor finds in the whole event (test/request-index-cache.test.ts).
 * Requests that repeat (a client reading the same resources, polling the same search, asking for tokens) then
 * cost a lookup instead of an extraction; others cost one extraction, as before.
 */
import type { AuditEvent } from '@medplum/fhirtypes';
import { extractIndexEntries } from '../search/extract.ts';
import type { IndexEntries } from '../store/types.ts';
import type { AccessRecord } from './balp-audit-event.ts';

/** Records kept, at most; the oldest goes first. */
const CAPACITY = 2000;

export class RequestIndexCache {
  private readonly entries = new Map<string, IndexEntries>();

  /** The index entries of `event`, the AuditEvent of `record`. */
  indexEntriesOf(record: AccessRecord, event: AuditEvent): IndexEntries {
    const { at: _at, requestId: _requestId, ...alike } = record;
    const key = JSON.stringify(alike);
    let rest = this.entries.get(key);
    if (!rest) {
      rest = extractIndexEntries({ ...event, recorded: undefined } as unknown as AuditEvent);
      if (this.entries.size >= CAPACITY) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(key, rest);
    }
    return joined(rest, extractIndexEntries({ resourceType: 'AuditEvent', recorded: event.recorded } as AuditEvent));
  }
}

/** The entries of two parts of a resource that no parameter reads both of. */
function joined(a: IndexEntries, b: IndexEntries): IndexEntries {
  return {
    compartments: [...a.compartments, ...b.compartments],
    tok: [...a.tok, ...b.tok],
    ref: [...a.ref, ...b.ref],
    str: [...a.str, ...b.str],
    dt: [...a.dt, ...b.dt],
    num: [...a.num, ...b.num],
    uri: [...a.uri, ...b.uri],
    txt: [...a.txt, ...b.txt],
    srt: { ...a.srt, ...b.srt },
    srtHi: { ...a.srtHi, ...b.srtHi },
  };
}
