import { Command } from 'commander';
import { DynamoIdentityStore } from '../../shared/adapters/aws/dynamo-identity-store';
import { authenticate } from '../../shared/services/identity/auth';
import { createTestResources } from '../../test/support/aws';
import { registerAdminCommands } from './admin';

describe('slipway admin token create', () => {
  it('creates an administrator whose printed token authenticates, storing only its hash', async () => {
    const { table, tableName } = await createTestResources({ queues: false });
    const program = new Command().exitOverride();
    registerAdminCommands(program);
    let printed = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((printed += String(s)), true));
    try {
      await program.parseAsync(['node', 'slipway', 'admin', 'token', 'create', '--table', tableName, '--name', 'ops']);
    } finally {
      spy.mockRestore();
    }
    const token = printed.trim().split('\n').pop()!;
    expect(token).toMatch(/^[0-9a-f]{40}$/);
    const user = await authenticate({ identity: new DynamoIdentityStore(table) }, token);
    expect(user).toEqual(expect.objectContaining({ login: 'ops', admin: true }));
    const items = await table.queryAll({ partition: `USER#${user.id}` });
    expect(JSON.stringify(items)).not.toContain(token);
  });
});
