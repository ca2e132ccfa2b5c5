import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { createAwsClients } from '../../shared/adapters/aws/clients';
import { DynamoIdentityStore } from '../../shared/adapters/aws/dynamo-identity-store';
import { DynamoTable } from '../../shared/adapters/aws/dynamo-table';
import { hashToken, newApiToken } from '../../shared/services/tokens';

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
}
