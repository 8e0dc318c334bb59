/**
 * A worker's TypeScript module and everything it imports, bundled by esbuild into one JavaScript file that a worker
 * thread loads without tsx. Through tsx a worker loads its ~140 modules one synchronous hand-off to tsx's loader
 * thread at a time: ~0.9 s on an idle core, ~1.2 s while the main thread works on the other, so the parallel ingest
 * had the main thread wait for it. Bundled it loads in ~0.5 s even then, and the main thread starts at once.
 *
 * Each module keeps its own location: `import.meta.url` is replaced, per module, by the URL of its source file, so
 * the paths it resolves (profiles/, package files, the derivation cache's keys) are what they are under tsx.
 * The bundle is kept in the derivation cache directory (derivation-cache.ts; `VITRINE_CACHE_DIR=off` means no
 * bundle) with the list of its inputs and a hash of their contents: changed code is bundled again (~0.4 s) when the
 * next ingest starts. Without esbuild, or when anything fails, the caller runs the worker through tsx.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { derivationCacheDir, writeWhole } from '../validation/derivation-cache.ts';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface BundleManifest {
  /** The bundle's file name, in the same directory. */
  bundle: string;
  /** Absolute paths of every file bundled. */
  inputs: string[];
  key: string;
}

/** The path of an up-to-date bundle of `entry` (a .ts module), building it when needed; undefined when none can be had. */
export async function bundledModule(entry: URL): Promise<string | undefined> {
  const dir = derivationCacheDir();
  if (!dir) return undefined;
  const name = path.basename(fileURLToPath(entry), '.ts');
  const manifestPath = path.join(dir, `${name}.bundle.json`);
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as BundleManifest;
    const bundlePath = path.join(dir, manifest.bundle);
    if (keyOf(entry, manifest.inputs) === manifest.key && existsSync(bundlePath)) return bundlePath;
  } catch {
    // No bundle yet, or its inputs are gone: built below.
  }
  try {
    return await build(entry, dir, name, manifestPath);
  } catch {
    return undefined;
  }
}

async function build(entry: URL, dir: string, name: string, manifestPath: string): Promise<string> {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(entry)],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    write: false,
    metafile: true,
    logLevel: 'silent',
    // The CommonJS packages bundled (fhirpath, ajv) call require; an ES module has none of its own.
    banner: { js: "import { createRequire as createRequireOfBundle } from 'node:module'; const require = createRequireOfBundle(import.meta.url);" },
    plugins: [
      {
        name: 'own-import-meta-url',
        setup(builder) {
          builder.onLoad({ filter: /\.ts$/ }, (args) => ({
            loader: 'ts',
            contents: readFileSync(args.path, 'utf8').replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
          }));
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs).map((input) => path.resolve(PROJECT_ROOT, input));
  const key = keyOf(entry, inputs);
  const bundle = `${name}-${key.slice(0, 24)}.mjs`;
  mkdirSync(dir, { recursive: true });
  writeWhole(path.join(dir, bundle), result.outputFiles[0].contents);
  writeWhole(manifestPath, JSON.stringify({ bundle, inputs, key } satisfies BundleManifest));
  removeOldBundles(dir, name, bundle);
  return path.join(dir, bundle);
}

/** A bundle replaced an hour ago or more: not one that an ingest started just before the rebuild is still loading. */
const OLD_BUNDLE_MS = 60 * 60 * 1000;

function removeOldBundles(dir: string, name: string, current: string): void {
  for (const file of readdirSync(dir)) {
    const bundlePath = path.join(dir, file);
    if (file === current || !file.startsWith(`${name}-`) || !file.endsWith('.mjs')) continue;
    if (Date.now() - statSync(bundlePath).mtimeMs >= OLD_BUNDLE_MS) unlinkSync(bundlePath);
  }
}

/** A hash of the inputs' contents, the esbuild and Node versions: any change means bundling again. */
function keyOf(entry: URL, inputs: readonly string[]): string {
  const esbuildManifest = readFileSync(createRequire(import.meta.url).resolve('esbuild/package.json'));
  const hash = createHash('sha256').update(`${entry.href}\0${process.version}\0`).update(esbuildManifest);
  for (const input of inputs) hash.update(`\0${input}\0`).update(readFileSync(input));
  return hash.digest('hex');
}
