/** `vitrine seed generate --patients N --seed S [--profile P] [--format bundle|ndjson] --out DIR` */
import { parseArgs } from 'node:util';
import { generateSeedSet } from '../../seed/generator/generate.ts';
import { loadSeedProfile, SeedProfileError, type SeedProfile } from '../../seed/generator/profile.ts';
import { progressBar } from '../../seed/generator/progress.ts';
import { ConfigError } from '../config/site-config.ts';

export const SEED_USAGE =
  'vitrine seed generate --patients N --seed S [--profile urban-academic|rural-network|community-paediatric|FILE] [--format bundle|ndjson] --out DIR';

export async function seedCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action !== 'generate') throw new ConfigError(`Usage: ${SEED_USAGE}`);
  const options = parseSeedArgs(rest);
  const profile = profileOrConfigError(options.profile);
  const manifest = await generateSeedSet({ ...options, profile, progress: progressBar(`seed ${profile.name}`, options.patients) });
  process.stdout.write(`${JSON.stringify(manifest)}\n`);
}

export function parseSeedArgs(args: string[]): { patients: number; seed: string; profile: string; format: 'bundle' | 'ndjson'; out: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        patients: { type: 'string', default: '100' },
        seed: { type: 'string', default: '1' },
        profile: { type: 'string', default: 'urban-academic' },
        format: { type: 'string', default: 'bundle' },
        out: { type: 'string' },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\nUsage: ${SEED_USAGE}`);
  }
  const patients = Number(values.patients);
  if (!Number.isInteger(patients) || patients < 1) throw new ConfigError(`--patients must be a positive integer, not "${values.patients}"`);
  if (values.format !== 'bundle' && values.format !== 'ndjson') throw new ConfigError(`--format must be bundle or ndjson, not "${values.format}"`);
  if (!values.out) throw new ConfigError(`--out DIR is required\nUsage: ${SEED_USAGE}`);
  return { patients, seed: values.seed, profile: values.profile, format: values.format, out: values.out };
}

/** A bad profile is a configuration error: one message, no stack. */
function profileOrConfigError(nameOrPath: string): SeedProfile {
  try {
    return loadSeedProfile(nameOrPath);
  } catch (err) {
    if (err instanceof SeedProfileError) throw new ConfigError(err.message);
    throw err;
  }
}
