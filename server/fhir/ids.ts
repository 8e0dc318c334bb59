/** Resource ids and versions: https://hl7.org/fhir/R4/datatypes.html#id */
import { randomUUID } from 'node:crypto';
import { badRequest } from './outcomes.ts';

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export function assertValidId(id: string): string {
  if (!isValidId(id)) throw badRequest(`Invalid id "${id.slice(0, 80)}": 1-64 of A-Z a-z 0-9 - .`, 'id');
  return id;
}

export function newId(): string {
  return randomUUID();
}

/** Parses a version id from a URL or an ETag (`W/"3"`, `"3"`, `3`). */
export function parseVersionId(text: string, what: string): number {
  const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(text.trim());
  if (!m) throw badRequest(`Invalid ${what}: ${text.slice(0, 40)}`);
  return Number(m[1]);
}

export function etag(vid: number): string {
  return `W/"${vid}"`;
}
