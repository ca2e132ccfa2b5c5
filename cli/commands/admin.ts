import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { createAwsClients } from '../../shared/adapters/aws/clients';
import { DynamoIdentityStore } from '../../shared/adapters/aws/dynamo-identity-store';
import { DynamoTable } from '../../shared/adapters/aws/dynamo-table';
import { hashToken, newApiToken } from '../../shared/services/identity/tokens';
import { ApiClient } from '../api-client';

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
}
