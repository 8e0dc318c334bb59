/**
 * Verified access tokens, remembered until they expire: verifying an ES384 signature costs far more than serving a
 * read, and a client sends the same token with every request of its session. A token is immutable, so a verified
 * one stays valid until its `exp`; the cache is bounded so a flood of distinct tokens cannot grow it.
 */
import { decodeJwt } from 'jose';
import type { Caller } from '../fhir/context.ts';

const MAX_ENTRIES = 10_000;

/** `verify`, remembering what it verified; a remembered token is answered at once (no promise). */
export function cacheVerifiedTokens<T extends { caller: Caller }>(verify: (token: string) => Promise<T>, now: () => number = Date.now) {
  const verified = new Map<string, { result: T; expiresAt: number }>();
  return (token: string): T | Promise<T> => {
    const hit = verified.get(token);
    if (hit && hit.expiresAt > now()) return hit.result;
    if (hit) verified.delete(token);
    // Throws for an invalid or expired token: nothing is cached.
    return verify(token).then((result) => {
      const exp = decodeJwt(token).exp;
      if (typeof exp === 'number') {
        if (verified.size >= MAX_ENTRIES) verified.delete(verified.keys().next().value!);
        verified.set(token, { result, expiresAt: exp * 1000 });
      }
      return result;
    });
  };
}
