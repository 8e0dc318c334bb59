/** Keyed hashes: pseudonyms, cryptoHash values and the per-patient draws of dateShift and perturb. */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** HMAC-SHA256 of `value` under `key`, as 64 hex digits. `domain` keeps hashes made for different purposes apart. */
export function keyedHash(key: Buffer, domain: string, value: string): string {
  const keyed = keyedMemo(key);
  let memo = keyed.byDomain.get(domain);
  if (!memo) keyed.byDomain.set(domain, (memo = new Map()));
  let hash = memo.get(value);
  if (hash === undefined) {
    hash = createHmac('sha256', keyed.secret).update(domain).update('\u0000').update(value).digest('hex');
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(value, hash);
  }
  return hash;
}

// The same patient's id is hashed for every resource that refers to it, and its date-shift draw for every one it
// owns: recent hashes are kept (per key and domain, bounded) so an ingest computes each once. The memo is looked up
// by the value itself, not a domain-and-value string that would be built and hashed anew at every call.
const MEMO_LIMIT = 50_000;
interface KeyedMemo {
  /** The key as a KeyObject: createHmac takes it without copying the key bytes each time. */
  secret: KeyObject;
  byDomain: Map<string, Map<string, string>>;
}
const memos = new WeakMap<Buffer, KeyedMemo>();

function keyedMemo(key: Buffer): KeyedMemo {
  let memo = memos.get(key);
  if (!memo) memos.set(key, (memo = { secret: createSecretKey(key), byDomain: new Map() }));
  return memo;
}

/** The pseudonymous id of a source resource: stable for the same key, type and id, irreversible without the key. */
export function pseudonymId(key: Buffer, type: string, id: string): string {
  return keyedHash(key, 'id', `${type}/${id}`);
}

/** A keyed draw in [0, 1): the same inputs always give the same draw, so re-ingesting gives the same result. */
export function keyedUniform(key: Buffer, domain: string, value: string): number {
  return parseInt(keyedHash(key, domain, value).slice(0, 12), 16) / 2 ** 48;
}
