/**
 * The key that signs this server's access tokens and launch contexts: ES384, kept as a private JWK file (mode 600)
 * so tokens survive a restart and `vitrine launch` can sign with it. https://www.rfc-editor.org/rfc/rfc7517
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SIGNING_ALG = 'ES384';

export interface SigningKey {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  /** The public half, with kid, alg and use, as published at /auth/jwks. */
  publicJwk: JWK;
  kid: string;
}

/** A fresh key, held in memory only. */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  return signingKeyFromJwk(await exportJWK(privateKey));
}

/** Reads the key file, or makes one when there is none. */
export async function loadOrCreateSigningKey(file: string): Promise<SigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read the signing key ${file}: ${(err as Error).message}`);
    const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    jwk = await exportJWK(privateKey);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
      // Another process made it first: use theirs.
      if (e.code !== 'EEXIST') throw e;
      jwk = JSON.parse(await readFile(file, 'utf8')) as JWK;
    });
  }
  return signingKeyFromJwk(jwk);
}

async function signingKeyFromJwk(privateJwk: JWK): Promise<SigningKey> {
  const { d: _d, ...publicPart } = privateJwk;
  const kid = await calculateJwkThumbprint(publicPart);
  const publicJwk: JWK = { ...publicPart, kid, alg: SIGNING_ALG, use: 'sig' };
  return {
    privateKey: (await importJWK(privateJwk, SIGNING_ALG)) as CryptoKey,
    publicKey: (await importJWK(publicJwk, SIGNING_ALG)) as CryptoKey,
    publicJwk,
    kid,
  };
}
