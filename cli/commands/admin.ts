import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { createAwsClients } from '../../shared/adapters/aws/clients';
import { DynamoIdentityStore } from '../../shared/adapters/aws/dynamo-identity-store';
import { DynamoTable } from '../../shared/adapters/aws/dynamo-table';
import { hashToken, newApiToken } from '../../shared/services/identity/tokens';
import { ApiClient } from '../api-client';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SecretValues } from '../../shared/adapters/aws/secret-values';
import { githubBaseUrls } from '../../shared/services/identity/oauth';
import { startManifestFlow } from './github-app-manifest';
import { runSmokeTest } from './smoke-test';

/**
 * `slipway admin token create`: creates an instance administrator and a personal API token for it directly
 * in a deployed stack's table (with your AWS credentials), printing the token once. Only its hash is stored.
 */
export function registerAdminCommands(program: Command): void {
  const admin = program.command('admin').description('Administer a deployed Slipway (uses your AWS credentials)');
  admin
    .command('token')
    .description('Manage administrator tokens')
    .command('create')
    .description('Create an administrator and print a new API token for it')
    .requiredOption('--table <name>', 'the stack’s DynamoDB table (output TableName)')
    .option('--name <login>', 'login of the administrator', 'admin')
    .action(async (opts: { table: string; name: string }) => {
      const clients = createAwsClients(process.env);
      const identity = new DynamoIdentityStore(new DynamoTable(clients.dynamo, opts.table));
      const now = new Date().toISOString();
      const user = { id: randomUUID(), login: opts.name, name: opts.name, roles: {}, admin: true, createdAt: now };
      await identity.createUser(user);
      const token = newApiToken();
      await identity.putToken({ hash: hashToken(token), userId: user.id, label: `admin ${opts.name}`, createdAt: now });
      process.stdout.write(`Administrator ${opts.name} (${user.id}) created. API token (shown once):\n${token}\n`);
    });
  admin
    .command('audit')
    .description('Export the audit log of a time range (instance administrators; uses SLIPWAY_URL and SLIPWAY_TOKEN)')
    .option('--from <time>', 'start, ISO 8601 (default: 24 hours before --to)')
    .option('--to <time>', 'end, ISO 8601, exclusive (default: now)')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .action(async (opts: { from?: string; to?: string; format: string }) => {
      const query = new URLSearchParams({ format: opts.format, ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}) });
      process.stdout.write(await ApiClient.fromEnv().text(`/api/v2/slipway/audit?${query}`));
    });
  admin
    .command('smoke-test')
    .description('Run the built-in pipeline on a Slipway and wait for it (instance administrators; uses SLIPWAY_URL and SLIPWAY_TOKEN)')
    .option('--timeout <seconds>', 'give up after this long', '900')
    .action(async (opts: { timeout: string }) => {
      const seconds = Number(opts.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--timeout must be a positive number of seconds, not ${JSON.stringify(opts.timeout)}.`);
      const passed = await runSmokeTest(ApiClient.fromEnv(), { timeoutMs: seconds * 1000 });
      process.exitCode = passed ? 0 : 1;
    });
  admin
    .command('github-app')
    .description('The GitHub App of a deployed Slipway')
    .command('create')
    .description("Create the GitHub App from Slipway's manifest and store its key in the stack's secret before it is installed (uses your AWS credentials)")
    .requiredOption('--api-url <url>', "the stack's ApiUrl output")
    .option(
      '--secret <name>',
      'where the App secret goes: the Secrets Manager secret (githubAppSecretName) or, with profile=minimal, the SSM parameter /slipway/<stackName>/github-app',
      'slipway/github-app',
    )
    .option('--github-api-url <url>', 'GitHub Enterprise Server: https://<host>/api/v3', 'https://api.github.com')
    .option('--org <organization>', 'create the App under this organisation (default: your account)')
    .option('--name <name>', "the App's name (unique on GitHub)", 'Slipway')
    .option('--port <port>', 'local port of the page and the redirect', '0')
    .action(async (opts: { apiUrl: string; secret: string; githubApiUrl: string; org?: string; name: string; port: string }) => {
      const values = new SecretValues({ secrets: () => new SecretsManagerClient({}), ssm: () => new SSMClient({}) });
      const flow = startManifestFlow({
        apiUrl: opts.apiUrl,
        githubApiUrl: opts.githubApiUrl,
        githubUrl: githubBaseUrls(opts.githubApiUrl).webUrl,
        organization: opts.org,
        name: opts.name,
        port: Number(opts.port),
        store: (json) => values.write(opts.secret, json),
      });
      process.stdout.write(`Open ${await flow.url} in a browser signed in to GitHub, and confirm the App there.\n`);
      try {
        await flow.done;
      } finally {
        flow.server.close();
      }
    });
}
