/** `vitrine hub --config FILE [--port P]` */
import { parseArgs } from 'node:util';
import { ConfigError } from '../config/site-config.ts';
import { loadHubConfig } from '../config/hub-config.ts';
import { startHub } from '../hub.ts';
import { closeOnSignals } from '../site.ts';

export async function hubCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, port: { type: 'string' } } });
  if (!values.config) throw new ConfigError('vitrine hub needs --config FILE (the site registry; schema profiles/hub-config.schema.json)');
  const config = loadHubConfig(values.config, { port: values.port !== undefined ? Number(values.port) : undefined });
  const hub = await startHub(config);
  closeOnSignals([hub], hub.logger);
}
