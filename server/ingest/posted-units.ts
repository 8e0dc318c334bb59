/**
 * PreparedUnits in the form a worker posts them to the main thread: the strings of every resource (meta, the rest
 * of its JSON, its serialized index entries) joined into one. One string of megabytes is copied once and lands
 * outside the young generation, and the main thread takes each part as a slice; thousands of strings of a few
 * kilobytes would each be copied by every scavenge while the batch waits its turn to commit, then promoted only to
 * die. (The slices do not outlive the commit: the stored JSON made of them is flattened when it is journaled.)
 */
import type { PreparedResource, PreparedUnits } from './prepare-unit.ts';

export interface PostedUnits extends Omit<PreparedUnits, 'resources'> {
  resources: Omit<PreparedResource, 'metaHead' | 'rest' | 'indexCoded'>[];
  /** Each resource's metaHead, rest and indexCoded, joined in that order. */
  text: string;
  /** Where each of those parts ends in `text`, three a resource; -1 for an indexCoded it does not have. */
  ends: number[];
}

export function toPostedUnits({ resources, ...rest }: PreparedUnits): PostedUnits {
  const parts: string[] = [];
  const ends: number[] = [];
  let end = 0;
  const add = (part: string) => {
    parts.push(part);
    ends.push((end += part.length));
  };
  const posted = resources.map(({ metaHead, rest: after, indexCoded, ...resource }) => {
    add(metaHead);
    add(after);
    if (indexCoded === undefined) ends.push(-1);
    else add(indexCoded);
    return resource;
  });
  return { ...rest, resources: posted, text: parts.join(''), ends };
}

export function fromPostedUnits({ resources, text, ends, ...rest }: PostedUnits): PreparedUnits {
  let start = 0;
  let at = 0;
  const next = () => {
    const end = ends[at++];
    if (end < 0) return undefined;
    const part = text.slice(start, end);
    start = end;
    return part;
  };
  const prepared = resources.map((resource): PreparedResource => {
    const metaHead = next()!;
    const after = next()!;
    const indexCoded = next();
    return indexCoded === undefined ? { ...resource, metaHead, rest: after } : { ...resource, metaHead, rest: after, indexCoded };
  });
  return { ...rest, resources: prepared };
}
