/**
 * The documents the MongoDB store keeps (DESIGN.md, "Stored documents"): `resources` holds each resource's current
 * version as a StoredDocument plus the parsed FHIR JSON under `resource`; `history` holds every version.
 */
import { withWildcardEntries } from '../../search/index-keys.ts';
import { ObjectId } from 'mongodb';
import type { StoredDocument, StoredVersion, StoreWrite } from '../types.ts';

/** A current-version document: the shared StoredDocument shape plus the resource (absent for a deletion). */
export interface ResourceDocument extends StoredDocument {
  resource?: Record<string, unknown>;
}

/** One version in the `history` collection. `commit` names the journaled commit that wrote it, if any. */
export interface HistoryDocument {
  _id: string; // "Observation/123/3"
  type: string;
  id: string;
  vid: number;
  lastUpdated: Date;
  deleted: boolean;
  resource?: Record<string, unknown>;
  /** Increases with every write of this process: orders versions that share a lastUpdated, later write first. */
  seq: ObjectId;
  commit?: string;
}

export const resourceKey = (type: string, id: string): string => `${type}/${id}`;
export const historyKey = (type: string, id: string, vid: number): string => `${type}/${id}/${vid}`;

/** Fields a StoredVersion needs; find() projects to these so index entries never cross the wire. */
export const VERSION_PROJECTION = { _id: 0, type: 1, id: 1, vid: 1, lastUpdated: 1, deleted: 1, resource: 1 } as const;

function parseResource(write: StoreWrite): Record<string, unknown> | undefined {
  return write.deleted || write.json === '' ? undefined : (JSON.parse(write.json) as Record<string, unknown>);
}

export function toResourceDocument(write: StoreWrite): ResourceDocument {
  const doc: ResourceDocument = {
    _id: resourceKey(write.type, write.id),
    type: write.type,
    id: write.id,
    vid: write.vid,
    lastUpdated: write.lastUpdated,
    deleted: write.deleted,
    // MongoDB looks a composite's wildcard names up in its index, so they are written out (index-keys.ts).
    ...withWildcardEntries(write.index),
  };
  const resource = parseResource(write);
  if (resource) doc.resource = resource;
  return doc;
}

export function toHistoryDocument(write: StoreWrite, commit?: string): HistoryDocument {
  const doc: HistoryDocument = {
    _id: historyKey(write.type, write.id, write.vid),
    type: write.type,
    id: write.id,
    vid: write.vid,
    lastUpdated: write.lastUpdated,
    deleted: write.deleted,
    seq: new ObjectId(),
  };
  const resource = parseResource(write);
  if (resource) doc.resource = resource;
  if (commit !== undefined) doc.commit = commit;
  return doc;
}

type VersionFields = Pick<HistoryDocument, 'type' | 'id' | 'vid' | 'lastUpdated' | 'deleted' | 'resource'>;

export function toStoredVersion(doc: VersionFields): StoredVersion {
  return {
    type: doc.type,
    id: doc.id,
    vid: doc.vid,
    lastUpdated: doc.lastUpdated,
    deleted: doc.deleted,
    json: doc.resource && !doc.deleted ? JSON.stringify(doc.resource) : '',
  };
}
