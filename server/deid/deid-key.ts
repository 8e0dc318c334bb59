/**
 * The site's de-identification key: the secret behind every pseudonym. It comes from a file named in the site
 * config (`deid.keyFile`) or from VITRINE_DEID_KEY, and is never stored with the data.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/site-config.ts';

export class DeidKeyError extends ConfigError {}

const MIN_KEY_BYTES = 16;

/** The key from `keyFile`, else from VITRINE_DEID_KEY; throws with what to do when neither gives one. */
export function loadDeidKey(keyFile: string | undefined, env = process.env): Buffer {
  let text: string | undefined;
  if (keyFile) {
    try {
      text = readFileSync(keyFile, 'utf8').trim();
    } catch (err) {
      throw new DeidKeyError(`Cannot read the de-identification key file ${keyFile}: ${(err as Error).message}`);
    }
  } else {
    text = env.VITRINE_DEID_KEY?.trim();
  }
  if (!text) {
    throw new DeidKeyError('No de-identification key: give --key-file, set deid.keyFile in the site config, or set VITRINE_DEID_KEY (at least 16 bytes; `openssl rand -hex 32`)');
  }
  const key = Buffer.from(text, 'utf8');
  if (key.length < MIN_KEY_BYTES) throw new DeidKeyError(`The de-identification key is too short (${key.length} bytes; at least ${MIN_KEY_BYTES})`);
  return key;
}

/** Writes a new random key file (mode 0600) unless one exists; for the demo, which keeps it beside its config. */
export function ensureDeidKeyFile(keyFile: string): void {
  mkdirSync(path.dirname(keyFile), { recursive: true });
  try {
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
}
