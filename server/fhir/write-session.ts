/**
 * A set of writes staged together and committed to the store at once: one interaction, or every entry of a
 * transaction Bundle. Reads inside the session see its own staged writes, so the entries of a transaction build
 * on each other; nothing reaches the store before commit(), so a failure anywhere leaves no trace.
 */
import type { Resource } from '@medplum/fhirtypes';
import type { Store, StoredVersion, StoreWrite } from '../store/types.ts';
import { emptyIndexEntries } from '../store/types.ts';
import { isResourceType } from './definitions.ts';
import { assertValidId, newId } from './ids.ts';
import { badRequest, gone, notFound, unknownType, versionConflict } from './outcomes.ts';
import { assertValid, type ResourcePipeline } from './pipeline.ts';

export interface StagedWrite {
  version: StoredVersion;
  /** The resource as stored (undefined for a deletion). */
  resource?: Resource;
  /** True when the write made a new resource (201), false when it replaced one (200). */
  created: boolean;
}

export class WriteSession {
  private readonly staged = new Map<string, StoreWrite>();
  private readonly writes: StoreWrite[] = [];
  /** One instant for every write of the session: a transaction happens at one time. */
  readonly now: Date;

  constructor(
    private readonly store: Store,
    private readonly pipeline: ResourcePipeline,
    now = new Date(),
  ) {
    this.now = now;
  }

  /** The current version as this session sees it (its own staged writes first). */
  async current(type: string, id: string): Promise<StoredVersion | undefined> {
    return this.staged.get(`${type}/${id}`) ?? (await this.store.read(type, id));
  }

  /** The current live resource, or 404/410. */
  async readLive(type: string, id: string): Promise<{ version: StoredVersion; resource: Resource }> {
    const version = await this.current(type, id);
    if (!version) throw notFound(`${type}/${id} not found`);
    if (version.deleted) throw gone(`${type}/${id} was deleted`);
    return { version, resource: JSON.parse(version.json) as Resource };
  }

  /** create: https://hl7.org/fhir/R4/http.html#create (the server assigns the id unless `id` is given). */
  async create(resource: Resource, id: string = newId()): Promise<StagedWrite> {
    assertResourceType(resource, resource.resourceType);
    const existing = await this.current(resource.resourceType, id);
    if (existing && !existing.deleted) throw versionConflict(`${resource.resourceType}/${id} already exists`);
    return this.stage(resource, id, existing);
  }

  /** update (PUT), which creates when the id is new: https://hl7.org/fhir/R4/http.html#update */
  async update(type: string, id: string, resource: Resource, ifMatch?: number): Promise<StagedWrite> {
    assertResourceType(resource, type);
    assertValidId(id);
    if (resource.id !== undefined && resource.id !== id) {
      throw badRequest(`Resource id "${resource.id}" does not match the URL id "${id}"`, `${type}.id`);
    }
    const existing = await this.current(type, id);
    if (ifMatch !== undefined && (existing?.vid ?? 0) !== ifMatch) {
      throw versionConflict(`If-Match version ${ifMatch} does not match current version ${existing?.vid ?? 'none'}`);
    }
    return this.stage(resource, id, existing);
  }

  /** delete: the resource becomes a tombstone version; its history stays. https://hl7.org/fhir/R4/http.html#delete */
  async delete(type: string, id: string, ifMatch?: number): Promise<StagedWrite | undefined> {
    const existing = await this.current(type, id);
    if (ifMatch !== undefined && (existing?.vid ?? 0) !== ifMatch) {
      throw versionConflict(`If-Match version ${ifMatch} does not match current version ${existing?.vid ?? 'none'}`);
    }
    if (!existing || existing.deleted) return undefined; // deleting what is not there is not an error
    const version: StoredVersion = { type, id, vid: existing.vid + 1, lastUpdated: this.now, deleted: true, json: '' };
    this.push({ ...version, expectedVid: existing.vid, index: emptyIndexEntries() });
    return { version, created: false };
  }

  /** Writes every staged version atomically. */
  async commit(): Promise<void> {
    if (this.writes.length > 0) await this.store.commit(this.writes);
  }

  get size(): number {
    return this.writes.length;
  }

  private stage(input: Resource, id: string, existing: StoredVersion | undefined): StagedWrite {
    const vid = (existing?.vid ?? 0) + 1;
    const resource = withServerMeta(input, id, vid, this.now);
    assertValid(this.pipeline.validate(resource));
    const version: StoredVersion = {
      type: resource.resourceType,
      id,
      vid,
      lastUpdated: this.now,
      deleted: false,
      json: JSON.stringify(resource),
    };
    this.push({ ...version, expectedVid: existing?.vid ?? 0, index: this.pipeline.extract(resource) });
    return { version, resource, created: !existing || existing.deleted };
  }

  private push(write: StoreWrite): void {
    this.staged.set(`${write.type}/${write.id}`, write);
    this.writes.push(write);
  }
}

function assertResourceType(resource: Resource, type: string): void {
  if (typeof resource?.resourceType !== 'string') throw badRequest('Missing resourceType', 'resourceType');
  if (!isResourceType(type)) throw unknownType(type);
  if (resource.resourceType !== type) {
    throw badRequest(`resourceType "${resource.resourceType}" does not match the URL type "${type}"`, 'resourceType');
  }
}

/** The server owns id, meta.versionId and meta.lastUpdated; whatever the client sent for them is replaced. */
function withServerMeta(resource: Resource, id: string, vid: number, now: Date): Resource {
  const { resourceType, id: _clientId, meta: clientMeta, ...rest } = resource;
  const meta = { ...(clientMeta ?? {}), versionId: String(vid), lastUpdated: now.toISOString() };
  return { resourceType, id, meta, ...rest } as Resource;
}
