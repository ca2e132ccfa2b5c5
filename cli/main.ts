import { Command } from 'commander';
import { registerAdminCommands } from './commands/admin';
import { registerBenchCommand } from './commands/bench';
import { registerConfigCommands } from './commands/config';
import { registerOrbPublishCommand } from './commands/orb-publish';
import { registerDevCommand } from './commands/dev';
import { registerPlanCommand } from './commands/plan';
import { registerProjectCommands } from './commands/project';
import { registerRunCommand } from './commands/run';
import { registerRunnerCommand } from './commands/runner';
import { main as agentMain } from '../agent/main';

/** The `slipway` CLI. */
export async function run(argv: string[]): Promise<void> {
  const program = new Command('slipway').description('Slipway: CircleCI Server, serverless, in your AWS account').showHelpAfterError();
  registerDevCommand(program);
  registerProjectCommands(program);
  registerConfigCommands(program);
  registerPlanCommand(program);
  registerRunCommand(program);
  registerOrbPublishCommand(program);
  registerAdminCommands(program);
  registerRunnerCommand(program);
  registerBenchCommand(program);
  program
    .command('agent [mode]')
    .description('Run the job agent (task mode: SLIPWAY_URL and SLIPWAY_TASK_TOKEN)')
    .action(async (mode?: string) => {
      process.exitCode = await agentMain([mode ?? 'task']);
    });
  await program.parseAsync(argv);
}
