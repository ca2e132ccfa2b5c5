import type { QueueName } from './messages';

/**
 * What each Lambda function may do in AWS: the one table the CDK app builds every function's role policy from
 * (`infra/lib/constructs/function-policies.ts`) and the infra tests check against. The synthesized policies are
 * then enforced on every AWS SDK call in the local and test runtimes (`shared/adapters/aws/iam-enforcement.ts`),
 * so a grant missing here fails a test the way it would fail in AWS. Adding a grant is a one-line change.
 */

export const FUNCTION_NAMES = ['api', 'webhooks', 'pipelines', 'conductor', 'dispatcher', 'cron', 'notifications'] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export type { QueueName };
export type SecretName = 'githubApp' | 'signingKey';

/**
 * Access to objects under one bucket prefix: `read` GetObject (and HeadObject), `write` PutObject and the
 * multipart calls, `delete` DeleteObject, `list` ListBucket with an `s3:prefix` condition on that prefix,
 * `retain` PutObjectRetention (writing with an Object Lock retention, as the audit log does).
 */
export type ObjectAccess = 'read' | 'write' | 'delete' | 'list' | 'retain';

/**
 * Control-plane capabilities over job compute, each a fixed set of scoped statements:
 * `run-tasks` register Slipway's task definitions (tagged) and run them in its cluster;
 * `stop-tasks` find (ListTasks by `startedBy`) and stop tasks in its cluster; `scale-machines` set the desired capacity of Slipway's groups;
 * `terminate-machines` terminate instances of its groups and complete their lifecycle actions (launch, termination);
 * `protect-machines` set and clear the scale-in protection of instances of its groups (while a job runs);
 * `machine-credentials` create (tagged) and delete the per-instance runner credential parameters under its SSM path;
 * `watch-exec-sessions` describe tasks in its cluster (their containers' runtime ids) and list Session Manager
 * sessions (`ssm:DescribeSessions` has no resource-level scoping: `*`), to see ECS Exec sessions into its tasks.
 * `registry-credentials` create (tagged) and update the projects' registry login secrets under the stack's prefix
 * (docker images' `auth`, which Fargate pulls with).
 */
export type ComputeCapability =
  | 'run-tasks'
  | 'stop-tasks'
  | 'scale-machines'
  | 'terminate-machines'
  | 'protect-machines'
  | 'machine-credentials'
  | 'watch-exec-sessions'
  | 'registry-credentials';

/** A statement the table cannot express otherwise (e.g. SES): actions on literal resources. */
export interface ExtraGrant {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

export interface FunctionGrants {
  /** The single table and its indexes. */
  readonly table: 'read' | 'read-write';
  /** Bucket prefixes (without the slash) and what the function does under each. */
  readonly objects: Readonly<Record<string, readonly ObjectAccess[]>>;
  /** Queues the function sends to (consuming is wired by the event source mapping). */
  readonly send: readonly QueueName[];
  /**
   * The queue this function consumes: it sends the records it refuses (not matching the queue's message schema,
   * `shared/model/messages.ts`) to that queue's dead-letter queue, with the reason; its URL is `<QUEUE>_DLQ_URL`.
   */
  readonly rejects?: QueueName;
  readonly secrets: readonly SecretName[];
  /** Envelope encryption of project secrets with the KMS key, called directly (not through a service). */
  readonly envelope: readonly ('encrypt' | 'decrypt')[];
  readonly compute: readonly ComputeCapability[];
  /** Signs job OIDC tokens: `kms:Sign` (and reads the public keys) of the OIDC key, only through its aliases. */
  readonly oidcSigning?: true;
  readonly extra?: readonly ExtraGrant[];
}

/** Prefixes of the job data the API presigns for agents and the UI. */
const JOB_DATA = ['logs', 'artifacts', 'caches', 'workspaces', 'test-results'] as const;
const jobData = (access: readonly ObjectAccess[]) => Object.fromEntries(JOB_DATA.map((p) => [p, access]));

export const FUNCTION_GRANTS: Readonly<Record<FunctionName, FunctionGrants>> = {
  api: {
    table: 'read-write',
    // Presigned transfers for agents and the UI; restore_cache/workspaces/artifacts/logs are found by listing.
    // pipelines/: continuation stores its config there; the pipeline config endpoint reads it. orbs/: publishing.
    // audit/: the audit log (written with Object Lock retention, read by the admin export). usage-exports/: CSV exports. caches/: DELETE …/build-cache.
    objects: {
      ...jobData(['read', 'write', 'list']),
      caches: ['read', 'write', 'list', 'delete'],
      pipelines: ['read', 'write'],
      orbs: ['read', 'write', 'list'],
      audit: ['read', 'write', 'list', 'retain'],
      'usage-exports': ['read', 'write'],
    },
    send: ['triggers', 'dispatch', 'events', 'notify'],
    secrets: ['githubApp', 'signingKey'],
    envelope: ['encrypt', 'decrypt'],
    // protect-machines: a machine instance that claims a job is protected from scale-in while it runs it.
    // watch-exec-sessions: heartbeats of Fargate jobs rerun with SSH say whether an ECS Exec session is open.
    compute: ['stop-tasks', 'protect-machines', 'watch-exec-sessions'],
    // Job specs carry CIRCLE_OIDC_TOKEN; `circleci run oidc get` mints more; the JWKS is served here.
    oidcSigning: true,
  },
  webhooks: { table: 'read-write', objects: {}, send: ['triggers'], secrets: ['githubApp'], envelope: [], compute: [] },
  pipelines: {
    table: 'read-write',
    // Configs over 4 KB go to pipelines/<id>/; registry orbs are read (and versions listed) under orbs/.
    // triggers: a GitHub event taken from the triggers queue becomes a pipeline, whose PipelineTriggered goes back on it.
    objects: { pipelines: ['read', 'write'], orbs: ['read', 'list'], audit: ['write'] },
    send: ['triggers', 'dispatch', 'events', 'notify'],
    rejects: 'triggers',
    secrets: ['githubApp'],
    envelope: ['decrypt'],
    compute: [],
  },
  // events: a serial group's next job waits in another workflow, which is nudged through its own event group.
  // stop-tasks: a canceled job's running Fargate tasks are stopped (a backstop to the agent's heartbeat reply).
  conductor: {
    table: 'read-write',
    objects: {},
    send: ['dispatch', 'events', 'notify'],
    rejects: 'events',
    secrets: [],
    envelope: [],
    compute: ['stop-tasks'],
  },
  dispatcher: {
    table: 'read-write',
    objects: {},
    send: ['events'],
    rejects: 'dispatch',
    secrets: ['signingKey'],
    // decrypt + registry-credentials: an image's `auth` values ($VARS of the project and contexts) stored for Fargate's pull.
    envelope: ['decrypt'],
    compute: ['run-tasks', 'stop-tasks', 'scale-machines', 'registry-credentials'],
  },
  cron: {
    table: 'read-write',
    objects: {},
    send: ['triggers', 'dispatch', 'events', 'notify'],
    secrets: [],
    envelope: [],
    // Machine instances: credentials issued at launch and deleted at retirement, protection cleared, instances retired.
    compute: ['stop-tasks', 'scale-machines', 'terminate-machines', 'protect-machines', 'machine-credentials'],
  },
  notifications: {
    table: 'read-write',
    objects: {},
    // notify: an outbound webhook delivery that failed is retried later through its own queue (with a delay).
    send: ['notify'],
    rejects: 'notify',
    secrets: ['githubApp'],
    envelope: ['decrypt'],
    compute: [],
    // SES SendEmail on the one identity given as a parameter: infra/lib/constructs/functions.ts.
  },
};

/** The S3 actions an {@link ObjectAccess} stands for. */
export const OBJECT_ACTIONS: Readonly<Record<ObjectAccess, readonly string[]>> = {
  read: ['s3:GetObject'],
  write: ['s3:PutObject', 's3:AbortMultipartUpload'],
  delete: ['s3:DeleteObject'],
  list: ['s3:ListBucket'],
  retain: ['s3:PutObjectRetention'],
};
