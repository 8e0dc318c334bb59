/**
 * `npm run test:mongo`: starts a throwaway FerretDB, runs the MongoDB-backed suites with MONGODB_URL pointing at
 * it, stops it, and exits with mocha's status. Extra arguments are more test files to run against it.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { startFerretDb, FERRETDB_VERSION } from './ferretdb.ts';

const MONGO_SUITES = ['test/store-mongo.test.ts'];

const ferret = await startFerretDb();
console.log(`FerretDB ${FERRETDB_VERSION} (SQLite) at ${ferret.url}`);
let status = 1;
try {
  // --no-config: .mocharc.json's spec list would otherwise be added to these files and run every suite.
  const options = ['--no-config', '--node-option', 'import=tsx', '--extension', 'ts', '--timeout', '20000'];
  const mocha = spawn('npx', ['mocha', ...options, ...MONGO_SUITES, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, MONGODB_URL: ferret.url },
  });
  const [code] = (await once(mocha, 'exit')) as [number | null];
  status = code ?? 1;
} finally {
  await ferret.stop();
}
process.exit(status);
