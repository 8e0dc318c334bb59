/**
 * A worker thread that runs a TypeScript module: its bundle when there is one (worker-bundle.ts), else through tsx,
 * as the main thread does.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Our workers allocate many short-lived objects (parsed resources, index entries): a young generation larger than
 * V8's default (16 MB semi-spaces) lets most die young instead of being copied, cutting scavenge time by ~10-15%.
 * 192 MB is three 64 MB semi-spaces, what bin/vitrine.js gives the main thread (--max-semi-space-size=64).
 */
const YOUNG_GENERATION_MB = 192;

/** Starts `moduleUrl` (a .ts file) in a worker with `workerData`: from `bundle` (its bundled form) when given. */
export function startTypeScriptWorker(moduleUrl: URL, workerData: unknown, bundle?: string): Worker {
  const options = { workerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } };
  if (bundle !== undefined) return new Worker(bundle, options);
  const tsx = tsxEsmApi();
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(moduleUrl.href)}); })`, { ...options, eval: true });
}

/** The URL of tsx's ESM register API (its `import` export; the CommonJS one cannot register inside a worker). */
function tsxEsmApi(): string {
  const manifest = createRequire(import.meta.url).resolve('tsx/package.json');
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api'].import.default)).href;
}
