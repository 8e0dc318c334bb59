/**
 * `npm run test:mongo`: starts a throwaway FerretDB, runs the MongoDB-backed suites with MONGODB_URL pointing at
 * it, stops it, and exits with mocha's status. Extra arguments are more test files to run against it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startFerretDb, FERRETDB_VERSION } from './ferretdb.ts';

/** Suites that need a MongoDB server: this store's own, and any `*.mongo.test.ts` another folder adds. */
function mongoSuites(): string[] {
  const tagged = ['test', 'server'].flatMap((dir) =>
    readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.mongo.test.ts'))
      .map((file) => join(dir, file)),
  );
  return ['test/store-mongo.test.ts', ...tagged];
}

const ferret = await startFerretDb();
console.log(`FerretDB ${FERRETDB_VERSION} (SQLite) at ${ferret.url}`);
let status = 1;
try {
  // --no-config: .mocharc.json's spec list would otherwise be added to these files and run every suite.
  const options = ['--no-config', '--node-option', 'import=tsx', '--extension', 'ts', '--timeout', '20000'];
  const mocha = spawn('npx', ['mocha', ...options, ...mongoSuites(), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MONGODB_URL: ferret.url },
  });
  const [code] = (await once(mocha, 'exit')) as [number | null];
  status = code ?? 1;
} finally {
  await ferret.stop();
}
process.exit(status);
