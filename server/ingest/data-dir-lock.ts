/**
 * A lock file in a data directory, so an ingest never writes a store that a running site (or another ingest) has
 * open: the embedded store keeps its state in memory and would not see the other's writes.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/site-config.ts';

export const LOCK_FILE = 'vitrine.lock';

export class DataDirLockedError extends ConfigError {}

/** Takes the lock (a stale one, left by a process that is gone, is replaced); returns the release function. */
export function lockDataDir(dir: string, holder: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const content = `${JSON.stringify({ pid: process.pid, holder, since: new Date().toISOString() })}\n`;
  try {
    writeFileSync(file, content, { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const owner = readOwner(file);
    if (owner && isAlive(owner.pid)) {
      throw new DataDirLockedError(`${dir} is in use by ${owner.holder ?? 'another process'} (pid ${owner.pid}); stop it first, or ingest through the site's URL`);
    }
    writeFileSync(file, content);
  }
  return () => rmSync(file, { force: true });
}

function readOwner(file: string): { pid: number; holder?: string } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
