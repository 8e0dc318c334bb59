/** `vitrine site [--config FILE] [--port P] [--data DIR]` */
import { parseArgs } from 'node:util';
import { loadSiteConfig } from '../config/site-config.ts';
import { closeOnSignals, startSite } from '../site.ts';

export async function siteCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { config: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' } } });
  const config = loadSiteConfig(values.config, {
    port: values.port !== undefined ? Number(values.port) : undefined,
    dataDir: values.data,
  });
  const site = await startSite(config);
  closeOnSignals([site], site.logger);
}
