/**
 * PreparedUnits in the form a worker posts them to the main thread: every resource's serialized index entries
 * joined into one string. One string of megabytes is copied once and lands outside the young generation, and the
 * main thread takes each resource's part as a slice; thousands of strings of a few kilobytes would each be copied by
 * every scavenge while the batch waits its turn to commit, then promoted only to die.
 */
import type { PreparedResource, PreparedUnits } from './prepare-unit.ts';

export interface PostedUnits extends Omit<PreparedUnits, 'resources'> {
  resources: Omit<PreparedResource, 'indexJson'>[];
  /** The resources' indexJson, joined; `indexJsonEnds[i]` is where the i-th resource's ends (-1: it has none). */
  indexJsonText: string;
  indexJsonEnds: number[];
}

export function toPostedUnits({ resources, ...rest }: PreparedUnits): PostedUnits {
  const parts: string[] = [];
  const indexJsonEnds: number[] = [];
  let end = 0;
  const posted = resources.map(({ indexJson, ...resource }) => {
    if (indexJson === undefined) {
      indexJsonEnds.push(-1);
    } else {
      parts.push(indexJson);
      indexJsonEnds.push((end += indexJson.length));
    }
    return resource;
  });
  return { ...rest, resources: posted, indexJsonText: parts.join(''), indexJsonEnds };
}

export function fromPostedUnits({ resources, indexJsonText, indexJsonEnds, ...rest }: PostedUnits): PreparedUnits {
  let start = 0;
  const prepared = resources.map((resource, i): PreparedResource => {
    const end = indexJsonEnds[i];
    if (end < 0) return resource;
    const indexJson = indexJsonText.slice(start, end);
    start = end;
    return { ...resource, indexJson };
  });
  return { ...rest, resources: prepared };
}
