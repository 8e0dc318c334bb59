/**
 * A throwaway FerretDB 1.x (SQLite backend) for tests: a real MongoDB wire-protocol server without MongoDB.
 * The binary is built once with `go install` into .cache/ferretdb and reused; each start gets its own data
 * directory and a free loopback port, and stop() removes both.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';

/** The newest 1.x release: 2.x needs PostgreSQL with DocumentDB, 1.x still runs on SQLite alone. */
export const FERRETDB_VERSION = 'v1.24.2';
const FERRETDB_MODULE = 'github.com/FerretDB/FerretDB';

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const cacheDir = join(projectRoot, '.cache');
const binary = join(cacheDir, 'ferretdb', 'ferretdb');

function go(args: string[], cwd: string): string {
  const run = spawnSync('go', args, {
    cwd,
    env: { ...process.env, GOFLAGS: '-buildvcs=false' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.error) throw new Error(`cannot run go (is Go installed?): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`go ${args.join(' ')} failed:\n${run.stderr}`);
  return run.stdout;
}

/**
 * Builds FerretDB unless the binary is already there. A plain `go install .../cmd/ferretdb@v1.24.2` builds, but
 * the binary panics at start ("Invalid build/version/version.txt file content") because release builds embed a
 * version file the module zip lacks; so the module source is copied, that file written, and built from there.
 */
export function ensureFerretDbBinary(): string {
  if (existsSync(binary)) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const download = JSON.parse(go(['mod', 'download', '-json', `${FERRETDB_MODULE}@${FERRETDB_VERSION}`], cacheDir)) as {
    Dir: string;
  };
  const source = join(cacheDir, `ferretdb-src-${FERRETDB_VERSION}`);
  rmSync(source, { recursive: true, force: true });
  cpSync(download.Dir, source, { recursive: true });
  chmodTreeWritable(source); // the module cache is read-only
  writeFileSync(join(source, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
  go(['build', '-o', binary, './cmd/ferretdb'], source);
  return binary;
}

function chmodTreeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) chmodTreeWritable(path);
    else chmodSync(path, 0o644);
  }
}

function freeLoopbackPort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

async function answersPing(url: string): Promise<boolean> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 500, connectTimeoutMS: 500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close();
  }
}

export interface RunningFerretDb {
  url: string;
  stop(): Promise<void>;
}

/** Starts FerretDB and resolves once it answers `ping` (at most ~30 attempts), or rejects with its output. */
export async function startFerretDb(): Promise<RunningFerretDb> {
  const bin = ensureFerretDbBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'vitrine-ferretdb-'));
  const port = await freeLoopbackPort();
  const url = `mongodb://127.0.0.1:${port}/`;
  // Its log goes to a file, not a pipe: a parent blocked in spawnSync (the test runner) would never drain a pipe,
  // and FerretDB stalls once the pipe is full.
  const logPath = join(dataDir, 'ferretdb.log');
  const sqliteDir = join(dataDir, 'sqlite');
  mkdirSync(sqliteDir);
  const log = openSync(logPath, 'w');
  const child: ChildProcess = spawn(
    bin,
    [
      `--listen-addr=127.0.0.1:${port}`,
      '--handler=sqlite',
      `--sqlite-url=file:${sqliteDir}/`,
      `--state-dir=${dataDir}`,
      '--telemetry=disable',
      '--log-level=error',
      '--debug-addr=-',
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  for (let attempt = 0; attempt < 30; attempt++) {
    if (child.exitCode !== null) break;
    if (await answersPing(url)) return { url, stop };
  }
  const output = readFileSync(logPath, 'utf8');
  await stop();
  throw new Error(`FerretDB did not answer ping on ${url}:\n${output}`);
}
