/**
 * The sort keys as journal records and snapshots hold them: srtHi mostly repeats srt (see JournaledIndexEntries),
 * so it is written as little as tells it apart (record-codec.ts, coded-index.ts), and given back as srt's own
 * object when the two are the same (memory-state.ts).
 */
import type { JournaledIndexEntries, MemoryIndexEntries } from './record-codec.ts';

/** srtHi as a journal record holds it: left out when it is srt, the keys that differ, or whole (JournaledIndexEntries). */
export function journaledSrtHi(srt: MemoryIndexEntries['srt'], srtHi: MemoryIndexEntries['srtHi']): Pick<JournaledIndexEntries, 'srtHi' | 'srtHiDiff'> {
  if (srtHi === srt) return {};
  const names = Object.keys(srt);
  if (names.length !== Object.keys(srtHi).length || !names.every((name) => Object.hasOwn(srtHi, name))) return { srtHi };
  const differing = names.filter((name) => srtHi[name] !== srt[name]);
  return differing.length > 0 ? { srtHiDiff: Object.fromEntries(differing.map((name) => [name, srtHi[name]])) } : {};
}

/** Whether two sets of sort keys hold the same parameters with the same values. */
export function sameSortKeys(a: MemoryIndexEntries['srt'], b: MemoryIndexEntries['srt']): boolean {
  const names = Object.keys(a);
  return names.length === Object.keys(b).length && names.every((name) => a[name] === b[name]);
}
