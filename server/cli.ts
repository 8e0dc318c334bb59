/**
 * The `vitrine` command. Each command lives in its own module under server/commands/ and is listed once here.
 * Output meant for people goes to stderr; stdout carries only what a script may consume.
 */
import { demoCommand } from './commands/demo-command.ts';
import { hubCommand } from './commands/hub-command.ts';
import { seedCommand, SEED_USAGE } from './commands/seed-command.ts';
import { ingestCommand } from './commands/ingest-command.ts';
import { siteCommand } from './commands/site-command.ts';
import { launchCommand, LAUNCH_USAGE } from './commands/launch-command.ts';
import { tokenCommand, TOKEN_USAGE } from './commands/token-command.ts';
import { ConfigError } from './config/site-config.ts';

interface Command {
  usage: string;
  run(args: string[]): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  site: {
    usage: 'vitrine site [--config FILE] [--port P] [--data DIR]   serve one site (MONGODB_URL selects MongoDB)',
    run: siteCommand,
  },
  hub: {
    usage: 'vitrine hub --config FILE [--port P]                  the federation hub over the configured sites',
    run: hubCommand,
  },
  seed: {
    usage: `${SEED_USAGE}   synthetic patients (deterministic)`,
    run: seedCommand,
  },
  ingest: {
    usage: 'vitrine ingest --site <url | data dir> [--config site.json] [--rules <safe-harbor | limited-shift | file>] <files or dirs...>   de-identify and load (--report: risk)',
    run: ingestCommand,
  },
  token: {
    usage: `${TOKEN_USAGE}   print an access token for a demo client`,
    run: tokenCommand,
  },
  launch: {
    usage: `${LAUNCH_USAGE}   an EHR launch context for a patient`,
    run: launchCommand,
  },
  demo: {
    usage: 'vitrine demo                                            three sites on 8081-8083 and the hub on 8080 (VITRINE_DATA sets the data root)',
    run: demoCommand,
  },
};

const usage = () => `Usage:\n${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}\n`;

async function main([name, ...args]: string[]): Promise<void> {
  if (name === undefined || name === '--help' || name === 'help') return void process.stdout.write(usage());
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    process.stderr.write(`Unknown command: ${name}\n${usage()}`);
    process.exit(2);
  }
  await command.run(args);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
