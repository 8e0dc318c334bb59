/**
 * `vitrine token --client NAME [--server URL] [--scope S]`: asks a running site (or hub) for an access token for a
 * demo client and prints it, nothing else, on stdout. https://build.fhir.org/ig/HL7/smart-app-launch/backend-services.html
 */
import { parseArgs } from 'node:util';
import { discoverTokenUrl } from '../auth/backend-services-client.ts';
import { DEMO_SECRET_CLIENTS } from '../auth/demo-clients.ts';
import { ConfigError } from '../config/site-config.ts';

export const TOKEN_USAGE = 'vitrine token --client NAME [--server URL] [--scope S]';

export async function tokenCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { client: { type: 'string' }, server: { type: 'string', default: 'http://localhost:8081/fhir' }, scope: { type: 'string' } } });
  const client = DEMO_SECRET_CLIENTS.find((c) => c.clientId === values.client);
  if (!client) throw new ConfigError(`--client must be one of ${DEMO_SECRET_CLIENTS.map((c) => c.clientId).join(', ')}`);
  const tokenUrl = await discoverTokenUrl(values.server!).catch((err: Error) => {
    throw new ConfigError(`Cannot reach ${values.server}: ${err.message}`);
  });
  const res = await fetch(tokenUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: values.scope ?? client.scope }),
  });
  const body = (await res.json()) as { access_token?: string; error_description?: string };
  if (!res.ok || !body.access_token) throw new ConfigError(`${tokenUrl} refused: ${res.status} ${body.error_description ?? ''}`);
  process.stdout.write(`${body.access_token}\n`);
}
