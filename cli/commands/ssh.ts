import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { shellJoin } from '../../shared/model/shell-words';
import { ApiClient } from '../api-client';

type Access = { tasks: Array<{ index: number; method: 'ssh'; message: string } | { index: number; method: 'ecs-exec' | 'ssm'; command: string[] }> };

const NEEDS: Record<'ecs-exec' | 'ssm', string> = {
  'ecs-exec': 'install the AWS CLI and its Session Manager plugin',
  ssm: "install OpenSSH's ssh, the AWS CLI and its Session Manager plugin",
};

/**
 * `slipway ssh <slug> <job-number>`: into a job rerun with SSH. On Fargate it runs `aws ecs execute-command`
 * (ECS Exec; needs the AWS CLI with the Session Manager plugin and `ecs:ExecuteCommand`); on an EC2 machine it
 * runs `ssh` through Session Manager (`ssm:StartSession` with the stack's document, and a registered key);
 * elsewhere it says to use the `ssh -p` command of the job's output.
 */
export function registerSshCommand(program: Command): void {
  program
    .command('ssh <slug> <job-number>')
    .description('Open a shell in a running job rerun with SSH, e.g. `slipway ssh gh/acme/app 42`')
    .option('--task <index>', 'parallel task index', '0')
    .option('--print', 'print the command instead of running it')
    .action(async (slug: string, number: string, opts: { task: string; print?: boolean }) => {
      const access = await ApiClient.fromEnv().request<Access>('GET', `/api/v2/slipway/project/${slug}/job/${number}/ssh`);
      const task = access.tasks.find((t) => t.index === Number(opts.task));
      if (!task) throw new Error(`Task ${opts.task} of job ${number} is not running; running tasks: ${access.tasks.map((t) => t.index).join(', ') || 'none'}.`);
      if (task.method === 'ssh') {
        process.stdout.write(`${task.message}\n`);
        return;
      }
      if (opts.print) {
        process.stdout.write(`${shellJoin(task.command)}\n`);
        return;
      }
      const [cmd, ...args] = task.command;
      await new Promise<void>((resolve, reject) => {
        spawn(cmd, args, { stdio: 'inherit' })
          .on('error', (e) => reject(new Error(`Could not run ${cmd} (${e.message}): ${NEEDS[task.method]}.`)))
          .on('exit', (code) => ((process.exitCode = code ?? 1), resolve()));
      });
    });
}
