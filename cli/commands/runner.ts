import type { Command } from 'commander';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRunner } from '../../agent/runner-mode';
import { agentCommand } from '../../local/agent-bundle';

/** `slipway runner`: a self-hosted runner that claims and runs the jobs of one resource class. */
export function registerRunnerCommand(program: Command): void {
  program
    .command('runner')
    .description('Run jobs of a self-hosted resource class, one at a time (like CircleCI machine runner)')
    .requiredOption('--resource-class <namespace/name>', 'the resource class this runner serves')
    .option('--token <token>', 'runner token of the resource class (or SLIPWAY_RUNNER_TOKEN)')
    .option('--url <url>', 'Slipway API URL (or SLIPWAY_URL)')
    .option('--name <name>', 'runner name shown in the runner listing (default: host name)')
    .option('--work-dir <dir>', 'where tasks get their HOME and working directory', join(tmpdir(), 'slipway-runner'))
    .option('--poll-seconds <n>', 'wait between claims when nothing is queued', '3')
    .option('--max-tasks <n>', 'exit after running this many tasks')
    .action(async (opts: { resourceClass: string; token?: string; url?: string; name?: string; workDir: string; pollSeconds: string; maxTasks?: string }) => {
      const token = opts.token ?? process.env.SLIPWAY_RUNNER_TOKEN;
      const url = opts.url ?? process.env.SLIPWAY_URL;
      if (!token || !url) throw new Error('slipway runner needs --token (or SLIPWAY_RUNNER_TOKEN) and --url (or SLIPWAY_URL).');
      const abort = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
      const circleci = await agentCommand(opts.workDir);
      process.stdout.write(`Runner for ${opts.resourceClass} polling ${url}\n`);
      const ran = await runRunner({
        url,
        token,
        name: opts.name,
        workRoot: opts.workDir,
        pollMs: Number(opts.pollSeconds) * 1000,
        maxTasks: opts.maxTasks ? Number(opts.maxTasks) : undefined,
        signal: abort.signal,
        circleciCommand: circleci,
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(`Runner stopped after ${ran} task${ran === 1 ? '' : 's'}.\n`);
    });
}
