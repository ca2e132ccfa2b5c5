import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTestResources, type TestResources } from '../../../test/support/aws';
import { createAwsClients } from './clients';
import { DynamoTable } from './dynamo-table';

/** Index queries on the keys-only indexes: the full items are read from the table by key. */
describe('DynamoTable index queries (keys-only indexes)', () => {
  let resources: TestResources;
  let client: DynamoDBDocumentClient;
  let table: DynamoTable;
  beforeAll(async () => {
    resources = await createTestResources({ queues: false });
    client = createAwsClients(process.env).dynamo;
    table = new DynamoTable(client, resources.tableName);
  });

  it('resolves full items in index order, pages with the index key and follows every page', async () => {
    const project = `PROJECT#${resources.tableName}#LIST`;
    for (const n of [3, 1, 2]) await table.put({ pk: `WF#${n}`, sk: `JOB#${n}`, gsi2pk: project, gsi2sk: String(n), status: `s${n}`, plan: { n } });
    const first = await table.query({ index: 'gsi2', partition: project, limit: 2 });
    expect(first.items).toEqual([
      expect.objectContaining({ pk: 'WF#1', status: 's1', plan: { n: 1 } }),
      expect.objectContaining({ pk: 'WF#2', status: 's2', plan: { n: 2 } }),
    ]);
    const rest = await table.query({ index: 'gsi2', partition: project, startKey: first.lastKey });
    expect(rest.items.map((i) => i.status)).toEqual(['s3']);
    const newest = await table.queryAll({ index: 'gsi2', partition: project, descending: true });
    expect(newest.map((i) => i.status)).toEqual(['s3', 's2', 's1']);
  });

  it('reads more than one batch of 100 keys, keeping the order', async () => {
    const partition = `MANY#${resources.tableName}`;
    const n = 130;
    await table.putMany(Array.from({ length: n }, (_, i) => ({ pk: `M#${i}`, sk: 'X', gsi1pk: partition, gsi1sk: String(i).padStart(4, '0'), i })));
    const items = await table.queryAll({ index: 'gsi1', partition });
    expect(items.map((i) => i.i)).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  it('leaves out keys whose item no longer exists, and retries keys the table left unprocessed', async () => {
    await table.put({ pk: 'G#1', sk: 'A', v: 1 });
    await table.put({ pk: 'G#2', sk: 'A', v: 2 });
    let calls = 0;
    // DynamoDB may leave keys unprocessed under load; the emulator never does, so the first answer is cut short.
    const flaky = {
      send: async (command: BatchGetCommand) => {
        const res = await client.send(command);
        if (calls++ > 0) return res;
        const keys = command.input.RequestItems![resources.tableName].Keys!;
        const first = (res.Responses?.[resources.tableName] ?? []).filter((i) => i.pk === keys[0].pk);
        return { ...res, Responses: { [resources.tableName]: first }, UnprocessedKeys: { [resources.tableName]: { Keys: keys.slice(1) } } };
      },
    } as unknown as DynamoDBDocumentClient;
    const items = await new DynamoTable(flaky, resources.tableName).getMany([
      { pk: 'G#2', sk: 'A' },
      { pk: 'G#gone', sk: 'A' },
      { pk: 'G#1', sk: 'A' },
    ]);
    expect(items.map((i) => i.v)).toEqual([2, 1]);
    expect(calls).toBe(2);
  });
});
