/**
 * The `vitrine` command: `vitrine site | demo` (more commands arrive with their issues).
 * Output meant for people goes to stderr through the logger; stdout carries only what a script may consume.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadSiteConfig } from './config/site-config.ts';
import { runDemo } from './demo.ts';
import { closeOnSignals, startSite } from './site.ts';

const USAGE = `Usage:
  vitrine site [--config FILE] [--port P] [--data DIR]   serve one site's FHIR endpoint (MONGODB_URL selects MongoDB)
  vitrine demo                                            three sites on 8081-8083 (VITRINE_DATA sets the data root)
`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'site': {
      const { values } = parseArgs({
        args: rest,
        options: { config: { type: 'string' }, port: { type: 'string' }, data: { type: 'string' } },
      });
      const config = loadSiteConfig(values.config, {
        port: values.port !== undefined ? Number(values.port) : undefined,
        dataDir: values.data,
      });
      const site = await startSite(config);
      closeOnSignals([site], site.logger);
      return;
    }
    case 'demo':
      await runDemo();
      return;
    case undefined:
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`Unknown command: ${command}\n${USAGE}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
