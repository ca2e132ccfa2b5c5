import { z } from 'zod';

/**
 * The one place the Lambda functions (and the local runtime, which runs the same handlers) read
 * `process.env`. Validated once, typed everywhere after.
 */
const schema = z.object({
  /** DynamoDB table (single-table design). */
  TABLE_NAME: z.string().min(1),
  /** S3 bucket for logs, artifacts, caches, workspaces, test results. */
  BUCKET_NAME: z.string().min(1),
  TRIGGERS_QUEUE_URL: z.string().min(1),
  DISPATCH_QUEUE_URL: z.string().min(1),
  /** FIFO queue, message group = workflow id. */
  EVENTS_QUEUE_URL: z.string().min(1),
  NOTIFY_QUEUE_URL: z.string().min(1),
  /** Dead-letter queues: a consumer sends the records it refuses (not matching the queue's schema) there, with the reason. */
  TRIGGERS_DLQ_URL: z.string().optional(),
  DISPATCH_DLQ_URL: z.string().optional(),
  EVENTS_DLQ_URL: z.string().optional(),
  NOTIFY_DLQ_URL: z.string().optional(),
  /** Public base URL of the HTTP API (used in links, `output_url`s and by agents). */
  PUBLIC_URL: z.string().url(),
  /** `local` (host processes, local key file) or `aws` (ECS/EC2, KMS, Secrets Manager). */
  COMPUTE_MODE: z.enum(['local', 'aws']).default('aws'),
  /** Local mode: the data folder (local key, host runner work folders). */
  DATA_DIR: z.string().optional(),
  /** AWS mode: KMS key for envelope encryption of secrets. */
  KMS_KEY_ID: z.string().optional(),
  /** AWS mode: KMS alias of the OIDC token signing key (ECC_NIST_P256) and of the previous one, kept published after a rotation. */
  OIDC_KEY_ALIAS: z.string().default('alias/slipway-oidc'),
  OIDC_PREVIOUS_KEY_ALIAS: z.string().default('alias/slipway-oidc-previous'),
  /** AWS mode: Secrets Manager secret holding the JWT signing key for job and output tokens. */
  SIGNING_KEY_SECRET_ARN: z.string().optional(),
  /** AWS mode (docker executor): ECS cluster, networking and task definitions per resource class (JSON map). */
  ECS_CLUSTER_ARN: z.string().optional(),
  ECS_SUBNETS: z.string().optional(),
  ECS_SECURITY_GROUPS: z.string().optional(),
  ECS_TASK_DEFINITIONS: z.string().optional(),
  /** AWS mode (docker executor): task role of tasks rerun with SSH (ECS Exec); other tasks have none. */
  ECS_SSH_TASK_ROLE_ARN: z.string().optional(),
  /**
   * AWS mode (machine executor): the stack's Session Manager document that forwards to the SSH port of a machine
   * job rerun with SSH (the only way in: no inbound rule). Absent: machine jobs show the plain `ssh -p` command.
   */
  MACHINE_SSH_DOCUMENT: z.string().optional(),
  /** Set by Lambda: the region of the stack (its machines, for `aws ssm start-session --region`). */
  AWS_REGION: z.string().optional(),
  /** AWS mode (docker executor): give Fargate tasks a public IP (public subnets, no NAT gateway). */
  ECS_ASSIGN_PUBLIC_IP: z.enum(['true', 'false']).optional(),
  ECS_CAPACITY_PROVIDER: z.enum(['FARGATE', 'FARGATE_SPOT']).optional(),
  /** AWS mode (docker executor): the ECR pull-through cache of Docker Hub (`<registry>/docker-hub`) job images are pulled through. */
  ECS_DOCKER_HUB_MIRROR: z.string().optional(),
  /** AWS mode (machine executor): SSM parameter path of the per-instance runner credentials (`/slipway/<stack>/runners`). */
  MACHINE_CREDENTIAL_PATH: z.string().optional(),
  /** Name prefix of the projects' registry login secrets (docker images' `auth` on Fargate). */
  REGISTRY_CREDENTIALS_PREFIX: z.string().optional(),
  /** AWS mode (machine executor): `arn:<partition>:ec2:<region>:<account>:instance/`, what credential parameters are tagged with. */
  MACHINE_INSTANCE_ARN_PREFIX: z.string().optional(),
  /** AWS mode (machine executor): auto scaling group name per machine resource class (JSON map). */
  MACHINE_ASGS: z.string().optional(),
  /** GitHub App: Secrets Manager secret (AWS) holding `{appId, privateKey, webhookSecrets[], clientId?, clientSecret?}`. */
  GITHUB_APP_SECRET_ARN: z.string().optional(),
  /** GitHub REST API base URL: https://api.github.com (default) or https://<host>/api/v3 (Enterprise Server). */
  GITHUB_API_URL: z.string().optional(),
  /** GitHub web base URL for sign-in (OAuth authorize and token exchange): derived from GITHUB_API_URL when unset. */
  GITHUB_WEB_URL: z.string().url().optional(),
  /** Local mode: the GitHub App's OAuth client id and secret (sign-in with GitHub); AWS: in the App secret. */
  SLIPWAY_GITHUB_CLIENT_ID: z.string().optional(),
  SLIPWAY_GITHUB_CLIENT_SECRET: z.string().optional(),
  /** Webhook secret(s), comma-separated (rotation): local mode, or in addition to the App secret's. */
  SLIPWAY_GITHUB_WEBHOOK_SECRET: z.string().optional(),
  /** Local mode: a JSON file shaped like the App secret (`{appId, privateKey, webhookSecrets[]}`). */
  SLIPWAY_GITHUB_APP_FILE: z.string().optional(),
  /** Local mode: the GitHub App's id and private key (PEM text or the path of a PEM file). */
  SLIPWAY_GITHUB_APP_ID: z.string().optional(),
  SLIPWAY_GITHUB_APP_PRIVATE_KEY: z.string().optional(),
  /** Local mode: argv (JSON array) that starts the agent on the host. */
  SLIPWAY_AGENT_COMMAND: z.string().optional(),
  /** Local mode: the container engine docker jobs use (`slipway dev` finds one), for the agents and the task runner. */
  DOCKER_HOST: z.string().optional(),
  /** Local mode: the agent image; when set, docker jobs run as Fargate-style tasks on the engine (EngineTaskCompute). */
  SLIPWAY_AGENT_IMAGE: z.string().optional(),
  /** Local mode: folder of packed orbs (`ns/name@version` or `ns/name`) for registry orb references. */
  SLIPWAY_ORBS_DIR: z.string().optional(),
  /** Outbound webhooks may reach private, link-local and loopback addresses (off: only public ones; local mode allows loopback). */
  SLIPWAY_WEBHOOK_ALLOW_PRIVATE: z.enum(['true', 'false']).default('false'),
  /** Local mode: the SMTP server email notifications go through (`smtp://host:port`, `smtps://user:pass@host`). */
  SLIPWAY_SMTP_URL: z.string().url().optional(),
  /** The sender of email notifications; in AWS a verified SES identity (address, or an address at a verified domain). */
  SLIPWAY_EMAIL_FROM: z.string().optional(),
  /** Days each audit object stays locked (S3 Object Lock, compliance mode); unset: not locked (local mode). */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().positive().optional(),
  /** Days the bucket keeps caches (its lifecycle rule): how long the cache index keeps their entries. */
  CACHE_RETENTION_DAYS: z.coerce.number().int().positive().optional(),
  /** Admin API token to seed (local mode). */
  SLIPWAY_ADMIN_TOKEN: z.string().optional(),
  /** Seconds an agent may stay silent before its job is failed (lease). */
  JOB_LEASE_SECONDS: z.coerce.number().int().positive().default(60),
  /** Reaper: a task running longer than this ends `timedout` (CircleCI's maximum job runtime, 5 hours). */
  JOB_MAX_RUNTIME_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(5 * 3600),
  /** Reaper: a job still queued (no agent started it) after this long fails with a reason. */
  JOB_QUEUED_LIMIT_SECONDS: z.coerce.number().int().positive().default(3600),
  /** Rerun with SSH: seconds a job stays reachable after its last SSH session closed (CircleCI: 10 minutes). */
  SLIPWAY_SSH_IDLE_SECONDS: z.coerce.number().int().positive().default(600),
  /** Rerun with SSH: at most this many seconds of SSH after the steps end (CircleCI: 2 hours). */
  SLIPWAY_SSH_MAX_SECONDS: z.coerce.number().int().positive().default(7200),
  /** Reaper: how many times a task whose agent went silent is retried before it ends `infrastructure_fail`. */
  JOB_INFRA_RETRIES: z.coerce.number().int().min(0).default(1),
});

export type FunctionEnv = z.infer<typeof schema>;

/** Reads and validates the environment; throws a single clear error listing every missing/invalid variable. */
export function readEnv(source: NodeJS.ProcessEnv = process.env): FunctionEnv {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Slipway function environment is invalid:\n${lines}\nSet these variables (the CDK stack does).`);
  }
  return parsed.data;
}
