/**
 * `vitrine launch --patient ID [--config F | --data DIR --name SITE] [--app URL]`: mints an EHR launch context
 * for a patient with the site's signing key, and prints the `launch` value (or, with --app, the app's launch URL
 * with `iss` and `launch`). https://build.fhir.org/ig/HL7/smart-app-launch/app-launch.html#launch-app-ehr-launch
 */
import { parseArgs } from 'node:util';
import { signingKeyFile, tokenIdentity } from '../auth/authorization-server.ts';
import { mintLaunch } from '../auth/launch-context.ts';
import { loadOrCreateSigningKey } from '../auth/signing-key.ts';
import { ConfigError, loadSiteConfig } from '../config/site-config.ts';

export const LAUNCH_USAGE = 'vitrine launch --patient ID [--config F] [--data DIR] [--name SITE] [--app URL]';

export async function launchCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { patient: { type: 'string' }, config: { type: 'string' }, data: { type: 'string' }, name: { type: 'string' }, app: { type: 'string' } },
  });
  if (!values.patient) throw new ConfigError(`--patient is required\nUsage: ${LAUNCH_USAGE}`);
  const config = loadSiteConfig(values.config, { dataDir: values.data });
  if (values.name) config.name = values.name;
  const key = await loadOrCreateSigningKey(signingKeyFile(config.auth, config.dataDir));
  const identity = tokenIdentity({ config: config.auth, name: config.name, publicUrl: config.publicUrl });
  const launch = await mintLaunch(key, identity.issuer, { patient: values.patient }).catch((err: Error) => {
    throw new ConfigError(err.message);
  });
  if (!values.app) return void process.stdout.write(`${launch}\n`);
  const iss = config.publicUrl ?? `http://localhost:${config.port}/fhir`;
  const url = new URL(values.app);
  url.searchParams.set('iss', iss);
  url.searchParams.set('launch', launch);
  process.stdout.write(`${url}\n`);
}
