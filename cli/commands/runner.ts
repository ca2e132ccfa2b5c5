import { AutoScalingClient, TerminateInstanceInAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRunner } from '../../agent/runner-mode';

/** Instance metadata (IMDSv2); `AWS_EC2_METADATA_SERVICE_ENDPOINT` overrides it as for the AWS SDK. */
const IMDS = () => (process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? 'http://169.254.169.254').replace(/\/$/, '');

/** The runner token stored in a Secrets Manager secret (the EC2 machine runners' token). */
export async function readTokenSecret(secrets: SecretsManagerClient, secretId: string): Promise<string> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId }));
  const token = out.SecretString?.trim();
  if (!token) throw new Error(`Secret ${secretId} holds no string value; put the runner token in it (aws secretsmanager put-secret-value).`);
  return token;
}

/**
 * An EC2 machine instance's own runner credential: the SecureString `<path>/<instance id>` the control plane writes
 * while the instance launches (only this instance may read it). Not there yet, or not readable yet (the tag lands
 * with it): retried for a while, then a clear error.
 */
export async function readTokenParameter(ssm: SSMClient, name: string, retry: { attempts?: number; waitMs?: number } = {}): Promise<string> {
  const attempts = retry.attempts ?? 60;
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const out = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
      const token = out.Parameter?.Value?.trim();
      if (token) return token;
      last = new Error('it is empty');
    } catch (e) {
      if (!['ParameterNotFound', 'AccessDeniedException'].includes((e as Error).name)) throw e;
      last = e;
    }
    await new Promise((r) => setTimeout(r, retry.waitMs ?? 5000));
  }
  throw new Error(
    `The runner credential ${name} could not be read (${(last as Error).message}); the control plane issues it while the instance launches (launch lifecycle hook).`,
  );
}

/** This EC2 instance's id, through IMDSv2 (a session token first; the launch template requires it). */
export async function ec2InstanceId(): Promise<string> {
  try {
    const session = await fetch(`${IMDS()}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '300' } });
    if (!session.ok) throw new Error(`HTTP ${session.status}`);
    const res = await fetch(`${IMDS()}/latest/meta-data/instance-id`, { headers: { 'x-aws-ec2-metadata-token': await session.text() } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return (await res.text()).trim();
  } catch (e) {
    throw new Error(
      `--terminate-instance and --token-parameter need the EC2 instance metadata service (IMDSv2), which did not answer: ${(e as Error).message}. Run it on an EC2 instance.`,
    );
  }
}

/** Terminates this instance in its auto scaling group and lowers the group's desired capacity with it. */
export async function terminateInstance(autoscaling: AutoScalingClient, instanceId: string): Promise<void> {
  await autoscaling.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: instanceId, ShouldDecrementDesiredCapacity: true }));
}

/** The agent's argv for the in-job `circleci` command: the agent bundled beside this CLI (the image's /opt/slipway), else built now. */
async function circleciCommand(workDir: string): Promise<string[]> {
  const bundled = join(__dirname, 'agent.cjs');
  if (existsSync(bundled)) return [process.execPath, bundled];
  // Loaded only from the sources: it locates the checkout when it loads, which a bundle has not.
  const { agentCommand } = await import('../../local/agent-bundle');
  return agentCommand(workDir);
}

interface RunnerOpts {
  resourceClass: string;
  token?: string;
  tokenSecret?: string;
  tokenParameter?: string;
  url?: string;
  name?: string;
  workDir: string;
  pollSeconds: string;
  maxTasks?: string;
  once?: boolean;
  terminateInstance?: boolean;
}

/** `slipway runner`: a self-hosted runner that claims and runs the jobs of one resource class. */
export function registerRunnerCommand(program: Command): void {
  program
    .command('runner')
    .description('Run jobs of a self-hosted resource class, one at a time (like CircleCI machine runner)')
    .requiredOption('--resource-class <namespace/name>', 'the resource class this runner serves')
    .option('--token <token>', 'runner token of the resource class (or SLIPWAY_RUNNER_TOKEN)')
    .option('--token-secret <arn>', 'read the runner token from this Secrets Manager secret')
    .option('--token-parameter <path>', "EC2 machine runners: read this instance's own credential from SSM (<path>/<instance id>)")
    .option('--url <url>', 'Slipway API URL (or SLIPWAY_URL)')
    .option('--name <name>', 'runner name shown in the runner listing (default: host name; the instance id with --terminate-instance)')
    .option('--work-dir <dir>', 'where tasks get their HOME and working directory', join(tmpdir(), 'slipway-runner'))
    .option('--poll-seconds <n>', 'wait between claims when nothing is queued', '3')
    .option('--max-tasks <n>', 'exit after running this many tasks')
    .option('--once', 'exit after one task (same as --max-tasks 1)')
    .option('--terminate-instance', 'on EC2: after the last task, terminate this instance in its auto scaling group, lowering its desired capacity')
    .action(async (opts: RunnerOpts) => {
      const url = opts.url ?? process.env.SLIPWAY_URL;
      const instanceId = opts.terminateInstance || opts.tokenParameter ? await ec2InstanceId() : undefined;
      const token = opts.tokenParameter
        ? await readTokenParameter(new SSMClient({}), `${opts.tokenParameter.replace(/\/$/, '')}/${instanceId}`)
        : opts.tokenSecret
          ? await readTokenSecret(new SecretsManagerClient({}), opts.tokenSecret)
          : (opts.token ?? process.env.SLIPWAY_RUNNER_TOKEN);
      if (!token || !url)
        throw new Error('slipway runner needs --token (or SLIPWAY_RUNNER_TOKEN, --token-secret, --token-parameter) and --url (or SLIPWAY_URL).');
      const maxTasks = opts.once ? 1 : opts.maxTasks ? Number(opts.maxTasks) : undefined;
      const abort = new AbortController();
      for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
      process.stdout.write(`Runner for ${opts.resourceClass} polling ${url}\n`);
      const ran = await runRunner({
        url,
        token,
        name: opts.name ?? instanceId,
        resourceClass: opts.resourceClass,
        workRoot: opts.workDir,
        pollMs: Number(opts.pollSeconds) * 1000,
        maxTasks,
        signal: abort.signal,
        circleciCommand: await circleciCommand(opts.workDir),
        log: (line) => process.stdout.write(`${line}\n`),
      });
      process.stdout.write(`Runner stopped after ${ran} task${ran === 1 ? '' : 's'}.\n`);
      // One job per instance: it leaves the group once its tasks ran (not when it is merely stopped).
      if (opts.terminateInstance && instanceId && maxTasks !== undefined && ran >= maxTasks) {
        process.stdout.write(`Terminating instance ${instanceId}.\n`);
        await terminateInstance(new AutoScalingClient({}), instanceId);
      }
    });
}

/** The CLI of the agent image (`/opt/slipway/bin/slipway`): the runner alone. */
export async function runnerCli(argv: string[]): Promise<void> {
  const program = new Command('slipway').description('Slipway runner: runs jobs claimed from a Slipway control plane').showHelpAfterError();
  registerRunnerCommand(program);
  await program.parseAsync(argv);
}
