import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import { cacheVerifiedTokens } from './verified-token-cache.ts';

const caller = { clientId: 'c', role: 'internal' as const, scopes: ['system/*.rs'] };
const token = (exp: number) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(new TextEncoder().encode('k'.repeat(32)));

describe('verified token cache', () => {
  it('verifies a token once while it is valid, again once it expired, and never caches a refusal', async () => {
    let now = 1_000_000_000_000;
    let calls = 0;
    const verify = cacheVerifiedTokens(async (t: string) => {
      calls++;
      if (t === 'bad') throw new Error('invalid');
      return { caller };
    }, () => now);
    const good = await token(Math.floor(now / 1000) + 60);
    await verify(good);
    await verify(good);
    assert.equal(calls, 1);
    now += 61_000;
    await verify(good);
    assert.equal(calls, 2, 'expired: verified again (and the verifier refuses it in real life)');
    await assert.rejects(async () => verify('bad'));
    await assert.rejects(async () => verify('bad'));
    assert.equal(calls, 4);
  });
});
