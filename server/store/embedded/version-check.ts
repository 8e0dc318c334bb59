/**
 * The optimistic concurrency check of a commit (https://hl7.org/fhir/R4/http.html#concurrency): every write names
 * the version it replaces, and one mismatch fails the whole commit before anything is applied.
 */
import { StoreConflictError, type StoredVersion } from '../types.ts';

/**
 * Throws StoreConflictError for the first write whose expectedVid is not the resource's current version. A second
 * write to the same resource in one commit must name the first one's vid, so the writes chain.
 */
export function checkExpectedVersions(writes: readonly (StoredVersion & { expectedVid: number })[], currentVid: (documentId: string) => number): void {
  const vidAfterEarlierWrites = new Map<string, number>();
  for (const write of writes) {
    const documentId = `${write.type}/${write.id}`;
    const actualVid = vidAfterEarlierWrites.get(documentId) ?? currentVid(documentId);
    if (write.expectedVid !== actualVid) {
      throw new StoreConflictError(write.type, write.id, write.expectedVid, actualVid);
    }
    vidAfterEarlierWrites.set(documentId, write.vid);
  }
}
