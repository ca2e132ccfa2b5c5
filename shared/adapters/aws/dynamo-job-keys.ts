import { createHash } from 'node:crypto';
import type { Key } from './dynamo-table';

/**
 * A workflow's jobs are spread over this many partition keys: every write of a job lands on its workflow's
 * partition, and DynamoDB takes at most 1,000 write units a second per partition key. A 1,000-job fan-out whose
 * jobs all finish within 10 s writes ~9,000 units on one key (four to five writes a job of a ~1-2 KB item);
 * spread over four keys the hottest takes about a quarter of that (docs/scaling.md).
 */
export const JOB_SHARDS = 4;

/** The shard of a job: fixed by its id, so a job's key is known from (workflow, job) alone. */
export function jobShard(jobId: string): number {
  return createHash('sha256').update(jobId).digest().readUInt32BE(0) % JOB_SHARDS;
}

/** The partition key of one shard of a workflow's jobs; shard 0 is the workflow's own partition. */
export const jobPartition = (workflowId: string, shard: number): string => (shard === 0 ? `WORKFLOW#${workflowId}` : `WORKFLOW#${workflowId}#${shard}`);

/** Where a job lives. */
export const jobKey = (workflowId: string, jobId: string): Key => ({ pk: jobPartition(workflowId, jobShard(jobId)), sk: `JOB#${jobId}` });

/**
 * Where a job lived before its workflow's jobs were spread over shards (the workflow's own partition): jobs of a
 * workflow created by an earlier version are still found there, or `undefined` when that is the job's key anyway.
 */
export function legacyJobKey(workflowId: string, jobId: string): Key | undefined {
  return jobShard(jobId) === 0 ? undefined : { pk: `WORKFLOW#${workflowId}`, sk: `JOB#${jobId}` };
}

/** The partition keys that hold a workflow's jobs. */
export const jobPartitions = (workflowId: string): string[] => Array.from({ length: JOB_SHARDS }, (_, s) => jobPartition(workflowId, s));
