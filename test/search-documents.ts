/** Spec-shaped search fixtures and the stored documents built from them (shared by the search tests). */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';
import { extractIndexEntries } from '../server/search/extract.ts';
import type { StoredDocument } from '../server/store/types.ts';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures/search');

export function loadFixture<T extends Resource = Resource>(name: string): T {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as T;
}

export function toDocument(resource: Resource, lastUpdated = new Date('2024-01-01T00:00:00Z')): StoredDocument {
  return {
    _id: `${resource.resourceType}/${resource.id}`,
    type: resource.resourceType,
    id: resource.id!,
    vid: 1,
    lastUpdated,
    deleted: false,
    ...extractIndexEntries(resource),
  };
}
