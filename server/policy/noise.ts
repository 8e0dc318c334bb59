/**
 * Noise whose draw is fixed by a keyed PRF (HMAC-SHA256 with the site's secret key) of (caller, canonical query,
 * cell, true value): asking the same question again gives the same answer, so repeating a query cannot average
 * the noise away (as the MII feasibility process caches the draw per true count). Without the key the draws are
 * unpredictable; the key never leaves the site.
 */
import { createHmac } from 'node:crypto';
import type { NoiseSettings } from './policy.ts';

/** The pieces that fix one draw. */
export interface DrawKey {
  caller: string;
  /** The canonical form of the query (see canonical-query.ts). */
  query: string;
  /** Which number of the answer: "total", "stratum:gender=female/initial-population", "sum"... */
  cell: string;
  trueValue: number;
}

/** Two independent uniforms in (0, 1) derived from the key and the draw's pieces. */
export function keyedUniforms(secret: Buffer, draw: DrawKey): [number, number] {
  const digest = createHmac('sha256', secret).update(JSON.stringify([draw.caller, draw.query, draw.cell, draw.trueValue])).digest();
  const toUnit = (offset: number) => (Number(digest.readBigUInt64BE(offset) >> 11n) + 0.5) / 2 ** 53;
  return [toUnit(0), toUnit(8)];
}

/** A noise draw for a statistic of the given sensitivity, clamped to ±clamp×sensitivity when the policy clamps. */
export function noiseDraw(noise: NoiseSettings, secret: Buffer, draw: DrawKey, sensitivity = 1): number {
  if (noise.mechanism === 'none') return 0;
  const [u1, u2] = keyedUniforms(secret, draw);
  let value: number;
  if (noise.mechanism === 'laplace') {
    // Inverse CDF of Laplace(0, b) with b = sensitivity / epsilon.
    const b = sensitivity / noise.epsilon;
    const u = u1 - 0.5;
    value = -b * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
  } else {
    // Box-Muller.
    value = noise.sigma * sensitivity * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  if (noise.clamp !== undefined) {
    const bound = noise.clamp * sensitivity;
    value = Math.max(-bound, Math.min(bound, value));
  }
  return value;
}

/** The noise parameters as a client reads them in the report. */
export function describeNoise(noise: NoiseSettings): string {
  if (noise.mechanism === 'laplace') return `laplace(epsilon=${noise.epsilon}${noise.clamp !== undefined ? `, clamp=${noise.clamp}` : ''})`;
  if (noise.mechanism === 'gaussian') return `gaussian(sigma=${noise.sigma}, delta=${noise.delta}${noise.clamp !== undefined ? `, clamp=${noise.clamp}` : ''})`;
  return 'none';
}
