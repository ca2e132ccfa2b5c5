import { createTestResources, type TestResources } from '../../../test/support/aws';
import { createAwsClients } from './clients';
import { DynamoTable } from './dynamo-table';
import { RequestCounter } from './request-counter';

/** The request counter's DynamoDB units, as the emulated table reports them by item size. */
describe('RequestCounter on dynalite: DynamoDB units by item size and writes per partition key', () => {
  let resources: TestResources;
  let counter: RequestCounter;
  let table: DynamoTable;
  beforeAll(async () => {
    resources = await createTestResources({ queues: false });
  });
  beforeEach(() => {
    counter = new RequestCounter();
    // Clients of their own, so that only this test's requests are counted.
    const counted = createAwsClients(process.env).dynamo;
    counted.middlewareStack.add(counter.middleware(), { step: 'initialize', name: 'slipwayRequestCounter' });
    table = new DynamoTable(counted, resources.tableName);
  });

  it('counts write units per started KB, the index write of an item with an index key, and read units per started 4 KB', async () => {
    const big = 'x'.repeat(2500);
    await table.put({ pk: 'WF#1', sk: 'JOB#a', gsi1pk: 'STATUS#running', gsi1sk: '1', data: big });
    await table.put({ pk: 'WF#1', sk: 'JOB#b', data: 'small' });
    await table.get({ pk: 'WF#1', sk: 'JOB#a' });
    const snap = counter.snapshot();
    // ~2.5 KB: 3 write units on the table and 1 on gsi1 (keys only); the small item 1 unit; the read ≤ 4 KB: 1 unit.
    expect(snap.dynamoWriteUnits).toBe(3 + 1 + 1);
    expect(snap.dynamoIndexWriteUnits).toBe(1);
    expect(snap.dynamoReadUnits).toBe(1);
    expect(snap.writesByPartitionKey).toEqual({ 'WF#1': { requests: 2, units: 4 }, 'gsi1:STATUS#running': { requests: 1, units: 1 } });
  });

  it('charges no index write for an update that leaves the index keys alone, one for an update that sets or removes one', async () => {
    await table.put({ pk: 'WF#2', sk: 'JOB#a', gsi1pk: 'JOB#a', gsi1sk: 'JOB', data: 'x'.repeat(1500) });
    counter.reset();
    await table.update({ pk: 'WF#2', sk: 'JOB#a' }, { set: { status: 'running' } });
    expect(counter.snapshot().dynamoIndexWriteUnits).toBe(0);
    await table.update({ pk: 'WF#2', sk: 'JOB#a' }, { set: { gsi2pk: 'PROJECT#p#JOBS', gsi2sk: '1' } });
    await table.update({ pk: 'WF#2', sk: 'JOB#a' }, { set: { gsi2pk: undefined, gsi2sk: undefined } });
    const snap = counter.snapshot();
    expect(snap.dynamoIndexWriteUnits).toBe(2);
    // Each update of the ~1.5 KB item: 2 units on the table.
    expect(snap.dynamoWriteUnits).toBe(3 * 2 + 2);
    expect(snap.writesByPartitionKey['gsi2:PROJECT#p#JOBS']).toEqual({ requests: 1, units: 1 });
    expect(snap.writesByPartitionKey['gsi1:JOB#a']).toBeUndefined();
  });

  it('counts an update at the larger of the item before and after, and a failed conditional write as one unit', async () => {
    await table.put({ pk: 'P#1', sk: 'S', data: 'x'.repeat(3000) });
    counter.reset();
    await table.update({ pk: 'P#1', sk: 'S' }, { set: { data: 'small' } });
    expect(await table.put({ pk: 'P#1', sk: 'S' }, { ifNotExists: true })).toBe(false);
    const snap = counter.snapshot();
    expect(snap.dynamoWriteUnits).toBe(3 + 1);
    expect(snap.writesByPartitionKey['P#1']).toEqual({ requests: 2, units: 4 });
  });
});
