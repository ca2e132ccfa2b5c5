import type { MachineInstance, RunnerInfo, RunnerQueueEntry, RunnerResourceClass, RunnerStore, RunnerToken } from '../../ports/runner-store';
import { toEntity, type DynamoTable } from './dynamo-table';

const rcKey = (name: string) => ({ pk: `RUNNERRC#${name}`, sk: 'RC' });
const tokenKey = (hash: string) => ({ pk: `RUNNERTOKEN#${hash}`, sk: 'TOKEN' });
const queueKey = (e: Pick<RunnerQueueEntry, 'resourceClass' | 'jobId' | 'taskIndex' | 'attempt'>) => ({
  pk: `RUNNERQ#${e.resourceClass}`,
  sk: `TASK#${e.jobId}#${e.taskIndex}#${e.attempt}`,
});
const runnerKey = (rc: string, name: string) => ({ pk: `RUNNER#${rc}`, sk: name });
/** Machine instances in one partition: a handful at a time, all listed by the cron sweep. */
const instanceKey = (instanceId: string) => ({ pk: 'MACHINEINSTANCES', sk: `INSTANCE#${instanceId}` });

/**
 * Runner resource classes, tokens, queue and runners in the single table. Classes by name (gsi1: namespace,
 * gsi2: id), tokens by hash (gsi1: class, gsi2: id), queue entries per class (claims conditional on
 * `claimedBy` being absent), runners per class, machine instances in one partition.
 */
export class DynamoRunnerStore implements RunnerStore {
  constructor(private readonly table: DynamoTable) {}

  createResourceClass(rc: RunnerResourceClass): Promise<boolean> {
    return this.table.put(
      { ...rcKey(rc.name), gsi1pk: `RUNNERNS#${rc.namespace}`, gsi1sk: rc.name, gsi2pk: `RUNNERRCID#${rc.id}`, gsi2sk: 'RC', ...rc },
      { ifNotExists: true },
    );
  }

  async getResourceClass(name: string): Promise<RunnerResourceClass | undefined> {
    return toEntity(await this.table.get(rcKey(name)));
  }

  async getResourceClassById(id: string): Promise<RunnerResourceClass | undefined> {
    const { items } = await this.table.query({ index: 'gsi2', partition: `RUNNERRCID#${id}` });
    return toEntity(items[0]);
  }

  async listResourceClasses(namespace: string): Promise<RunnerResourceClass[]> {
    return (await this.table.queryAll({ index: 'gsi1', partition: `RUNNERNS#${namespace}` })).map((i) => toEntity<RunnerResourceClass>(i)!);
  }

  async deleteResourceClass(name: string): Promise<void> {
    await this.table.delete(rcKey(name));
  }

  createToken(token: RunnerToken): Promise<boolean> {
    return this.table.put(
      {
        ...tokenKey(token.hash),
        gsi1pk: `RUNNERTOKENS#${token.resourceClass}`,
        gsi1sk: `${token.createdAt}#${token.id}`,
        gsi2pk: `RUNNERTOKENID#${token.id}`,
        gsi2sk: 'TOKEN',
        ...token,
      },
      { ifNotExists: true },
    );
  }

  async getTokenByHash(hash: string): Promise<RunnerToken | undefined> {
    return toEntity(await this.table.get(tokenKey(hash)));
  }

  async getTokenById(id: string): Promise<RunnerToken | undefined> {
    const { items } = await this.table.query({ index: 'gsi2', partition: `RUNNERTOKENID#${id}` });
    return toEntity(items[0]);
  }

  async listTokens(resourceClass: string): Promise<RunnerToken[]> {
    return (await this.table.queryAll({ index: 'gsi1', partition: `RUNNERTOKENS#${resourceClass}` })).map((i) => toEntity<RunnerToken>(i)!);
  }

  async deleteToken(id: string): Promise<void> {
    const token = await this.getTokenById(id);
    if (token) await this.table.delete(tokenKey(token.hash));
  }

  enqueue(entry: RunnerQueueEntry): Promise<boolean> {
    return this.table.put({ ...queueKey(entry), ...entry }, { ifNotExists: true });
  }

  async listQueued(resourceClass: string): Promise<RunnerQueueEntry[]> {
    const items = await this.table.queryAll({ partition: `RUNNERQ#${resourceClass}`, prefix: 'TASK#', consistent: true });
    return items
      .map((i) => toEntity<RunnerQueueEntry>(i)!)
      .filter((e) => !e.claimedBy)
      .sort((a, b) => a.queuedAt.localeCompare(b.queuedAt) || a.jobId.localeCompare(b.jobId) || a.taskIndex - b.taskIndex);
  }

  async claim(entry: RunnerQueueEntry, runnerName: string, at: string): Promise<boolean> {
    const res = await this.table.update(
      queueKey(entry),
      { set: { claimedBy: runnerName, claimedAt: at } },
      { expression: 'attribute_exists(pk) AND attribute_not_exists(claimedBy)' },
    );
    return !!res;
  }

  async remove(entry: Pick<RunnerQueueEntry, 'resourceClass' | 'jobId' | 'taskIndex' | 'attempt'>): Promise<void> {
    await this.table.delete(queueKey(entry));
  }

  async touchRunner(info: Omit<RunnerInfo, 'firstSeen'>): Promise<void> {
    const key = runnerKey(info.resourceClass, info.name);
    const existing = toEntity<RunnerInfo>(await this.table.get(key));
    await this.table.put({ ...key, ...info, firstSeen: existing?.firstSeen ?? info.lastSeen });
  }

  async listRunners(resourceClass: string): Promise<RunnerInfo[]> {
    return (await this.table.queryAll({ partition: `RUNNER#${resourceClass}` })).map((i) => toEntity<RunnerInfo>(i)!);
  }

  async putMachineInstance(instance: MachineInstance): Promise<void> {
    // The record outlives its credential by a day (TTL), so the sweep retires an instance it has not heard of since.
    await this.table.put({ ...instanceKey(instance.instanceId), ...instance, expiresAt: Math.floor(Date.parse(instance.credentialExpiresAt) / 1000) + 86_400 });
  }

  async getMachineInstance(instanceId: string): Promise<MachineInstance | undefined> {
    return toEntity(await this.table.get(instanceKey(instanceId)));
  }

  async listMachineInstances(): Promise<MachineInstance[]> {
    return (await this.table.queryAll({ partition: 'MACHINEINSTANCES', prefix: 'INSTANCE#', consistent: true })).map((i) => toEntity<MachineInstance>(i)!);
  }

  async claimMachineInstance(instanceId: string, task: string, at: string): Promise<boolean> {
    const res = await this.table.update(
      instanceKey(instanceId),
      { set: { claimedTask: task, claimedAt: at } },
      { expression: 'attribute_exists(pk) AND attribute_not_exists(claimedTask)' },
    );
    return !!res;
  }

  async releaseMachineClaim(instanceId: string, task: string): Promise<void> {
    await this.table.update(
      instanceKey(instanceId),
      { set: { claimedTask: undefined, claimedAt: undefined } },
      { expression: 'claimedTask = :t', values: { ':t': task } },
    );
  }

  async deleteMachineInstance(instanceId: string): Promise<void> {
    await this.table.delete(instanceKey(instanceId));
  }
}
