/**
 * Audit trails written before the append-only log (an embedded store: `journal.log`, `snapshot.dat` in the audit
 * directory) are moved into the first segment once, at the first open, so no recorded event is lost. The segment
 * is complete on disk before it gets its name; the old files are removed only after that, so a crash in between
 * leaves both, and the next open just removes the old ones.
 */
import { open, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedStore } from '../store/embedded/embedded-store.ts';
import type { StoreLogger } from '../store/embedded/journal-file.ts';
import { syncDirectory } from './event-segments.ts';

const LEGACY_FILES = ['journal.log', 'snapshot.dat'];
const FIRST_SEGMENT = 'events-000001.ndjson';

export async function migrateEmbeddedAuditStore(dir: string, logger?: StoreLogger): Promise<void> {
  const legacy = (await Promise.all(LEGACY_FILES.map(async (name) => ((await exists(join(dir, name))) ? name : undefined)))).filter((n) => n !== undefined);
  if (legacy.length === 0) return;
  if (!(await exists(join(dir, FIRST_SEGMENT)))) {
    const store = new EmbeddedStore({ dir, logger });
    await store.open();
    let events: string[];
    try {
      const { total } = await store.history({ limit: 0 });
      events = (await store.history({ limit: total })).versions.reverse().map((v) => v.json);
    } finally {
      await store.close();
    }
    const temporary = join(dir, `${FIRST_SEGMENT}.tmp`);
    const file = await open(temporary, 'w');
    try {
      if (events.length > 0) await file.write(`${events.join('\n')}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, join(dir, FIRST_SEGMENT));
    await syncDirectory(dir);
    logger?.info({ dir, events: events.length }, 'audit log: events of the former embedded audit store moved into the log');
  }
  for (const name of legacy) await rm(join(dir, name), { force: true });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
