import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { DirectoryOrbResolver } from '../../shared/adapters/local/directory-orb-resolver';
import { compileConfig } from '../../shared/config/compile';
import { ConfigPackError, packConfigDir } from '../../shared/config/config-pack';
import { OrbPackError, packOrb } from '../../shared/config/orb-pack';
import { processConfig } from '../../shared/config/process-config';
import { formatProblems } from '../../shared/config/problems';

interface ConfigCommandOptions {
  pipelineParameters?: string;
  orbDir?: string;
}

function readSource(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    process.stderr.write(`Cannot read ${file}: ${(err as Error).message}\n`);
    process.exitCode = 1;
    return undefined;
  }
}

function parseParameters(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return {};
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // reported below
  }
  process.stderr.write('--pipeline-parameters must be a JSON object, e.g. \'{"deploy": true}\'.\n');
  process.exitCode = 1;
  return undefined;
}

const resolverFor = (opts: ConfigCommandOptions): DirectoryOrbResolver | undefined => (opts.orbDir ? new DirectoryOrbResolver(opts.orbDir) : undefined);

/** Prints what a pack produces, or its error (and a non-zero exit code). */
function printPacked(pack: () => string): void {
  try {
    process.stdout.write(pack());
  } catch (err) {
    if (!(err instanceof ConfigPackError || err instanceof OrbPackError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  }
}

/** Adds `config validate`, `config process`, `config pack` and `orb pack` to the CLI. */
export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('Validate and process CircleCI configs');
  config
    .command('validate')
    .argument('<file>', 'config file, e.g. .circleci/config.yml')
    .option('--pipeline-parameters <json>', 'pipeline parameters as a JSON object')
    .option('--orb-dir <dir>', 'folder of orbs (<ns>/<name>[@<version>]/orb.yml or an orb source)')
    .description('Check a config; prints its errors with file, line and column')
    .action(async (file: string, opts: ConfigCommandOptions) => {
      const source = readSource(file);
      const pipelineParameters = parseParameters(opts.pipelineParameters);
      if (source === undefined || !pipelineParameters) return;
      const result = await compileConfig(source, { fileName: file, pipelineParameters, orbResolver: resolverFor(opts) });
      if (result.ok) {
        process.stdout.write(`Config file at ${file} is valid.\n`);
        return;
      }
      process.stderr.write(`${formatProblems(result.problems)}\n`);
      process.exitCode = 1;
    });
  config
    .command('process')
    .argument('<file>', 'config file')
    .option('--pipeline-parameters <json>', 'pipeline parameters as a JSON object')
    .option('--orb-dir <dir>', 'folder of orbs (<ns>/<name>[@<version>]/orb.yml or an orb source)')
    .description('Print the config fully expanded, as `circleci config process` does')
    .action(async (file: string, opts: ConfigCommandOptions) => {
      const source = readSource(file);
      const pipelineParameters = parseParameters(opts.pipelineParameters);
      if (source === undefined || !pipelineParameters) return;
      const result = await processConfig(source, { fileName: file, pipelineParameters, orbResolver: resolverFor(opts) });
      if (result.ok) {
        process.stdout.write(result.yaml);
        return;
      }
      process.stderr.write(`${formatProblems(result.problems)}\n`);
      process.exitCode = 1;
    });
  config
    .command('pack')
    .argument('<dir>', 'config folder, e.g. .circleci/config')
    .description('Pack a config folder into one config YAML, as `circleci config pack` does')
    .action((dir: string) => printPacked(() => packConfigDir(dir).yaml));
  const orb = program.commands.find((c) => c.name() === 'orb') ?? program.command('orb').description('Work with orbs');
  orb
    .command('pack')
    .argument('<dir>', 'orb source folder (with @orb.yml)')
    .description('Pack an orb source folder into one orb YAML, as `circleci orb pack` does')
    .action((dir: string) => printPacked(() => packOrb(dir)));
}
