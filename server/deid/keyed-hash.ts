/** Keyed hashes: pseudonyms, cryptoHash values and the per-patient draws of dateShift and perturb. */
import { createHmac } from 'node:crypto';

/** HMAC-SHA256 of `value` under `key`, as 64 hex digits. `domain` keeps hashes made for different purposes apart. */
export function keyedHash(key: Buffer, domain: string, value: string): string {
  let memo = recent.get(key);
  if (!memo) recent.set(key, (memo = new Map()));
  const memoKey = `${domain}\u0000${value}`;
  let hash = memo.get(memoKey);
  if (hash === undefined) {
    hash = createHmac('sha256', key).update(domain).update('\u0000').update(value).digest('hex');
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(memoKey, hash);
  }
  return hash;
}

// The same patient's id is hashed for every resource that refers to it, and its date-shift draw for every one it
// owns: recent hashes are kept (per key, bounded) so an ingest computes each once.
const MEMO_LIMIT = 50_000;
const recent = new WeakMap<Buffer, Map<string, string>>();

/** The pseudonymous id of a source resource: stable for the same key, type and id, irreversible without the key. */
export function pseudonymId(key: Buffer, type: string, id: string): string {
  return keyedHash(key, 'id', `${type}/${id}`);
}

/** A keyed draw in [0, 1): the same inputs always give the same draw, so re-ingesting gives the same result. */
export function keyedUniform(key: Buffer, domain: string, value: string): number {
  return parseInt(keyedHash(key, domain, value).slice(0, 12), 16) / 2 ** 48;
}
