import { join } from 'node:path';
import type { AwsClients } from '../shared/adapters/aws/clients';
import { BlobOrbResolver, ChainedOrbResolver } from '../shared/adapters/aws/blob-orb-resolver';
import { DynamoContextStore } from '../shared/adapters/aws/dynamo-context-store';
import { DynamoCacheIndex } from '../shared/adapters/aws/dynamo-cache-index';
import { DynamoDedupeStore } from '../shared/adapters/aws/dynamo-dedupe-store';
import { DynamoIdentityStore } from '../shared/adapters/aws/dynamo-identity-store';
import { DynamoNotificationPreferences } from '../shared/adapters/aws/dynamo-notification-preferences';
import { DynamoOidcClaimsStore } from '../shared/adapters/aws/dynamo-oidc-claims-store';
import { DynamoPipelineStore } from '../shared/adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../shared/adapters/aws/dynamo-project-store';
import { DynamoRunnerStore } from '../shared/adapters/aws/dynamo-runner-store';
import { DynamoScheduleStore } from '../shared/adapters/aws/dynamo-schedule-store';
import { DynamoSshKeyStore } from '../shared/adapters/aws/dynamo-ssh-key-store';
import { DynamoTable } from '../shared/adapters/aws/dynamo-table';
import { DynamoUserSshKeyStore } from '../shared/adapters/aws/dynamo-user-ssh-key-store';
import { DynamoWebhookStore } from '../shared/adapters/aws/dynamo-webhook-store';
import { S3AuditLog } from '../shared/adapters/aws/s3-audit-log';
import { S3BlobStore } from '../shared/adapters/aws/s3-blob-store';
import { SqsMessageQueue } from '../shared/adapters/aws/sqs-message-queue';
import { WorkerConfigCompiler } from '../shared/adapters/compile/worker-config-compiler';
import { GuardedWebhookTransport } from '../shared/adapters/http/guarded-webhook-transport';
import { DynamoGitHubInstallationStore } from '../shared/adapters/vcs/dynamo-github-installation-store';
import { GitCliRepositorySource } from '../shared/adapters/vcs/git-cli-repository-source';
import { GitHubApp } from '../shared/adapters/vcs/github-app';
import { loadGitHubSettings } from '../shared/adapters/vcs/github-app-config';
import { GitHubCommitStatusNotifier } from '../shared/adapters/vcs/github-commit-status-notifier';
import { GitHubOAuthHttpClient } from '../shared/adapters/vcs/github-oauth-client';
import { GitHubRepositorySource } from '../shared/adapters/vcs/github-repository-source';
import { systemClock } from '../shared/ports/clock';
import type { JobCompute } from '../shared/ports/job-compute';
import type { JobMetrics } from '../shared/ports/job-metrics';
import type { Mailer } from '../shared/ports/mailer';
import type { OidcSigningKey } from '../shared/ports/oidc-signing-key';
import type { OrbResolver } from '../shared/ports/orb-resolver';
import type { PipelineStore } from '../shared/ports/pipeline-store';
import type { RunnerStore } from '../shared/ports/runner-store';
import type { SecretCipher } from '../shared/ports/secret-cipher';
import type { ControlPlaneDeps } from '../shared/services/deps';
import { seedAdmin } from '../shared/services/identity/auth';
import { githubBaseUrls } from '../shared/services/identity/oauth';
import { TokenService } from '../shared/adapters/jose/token-service';
import { RunnerQueueCompute } from '../shared/adapters/runner-queue-compute';
import { BuiltinRepositorySource } from '../shared/services/pipelines/smoke-test';
import type { FunctionEnv } from './env';
import { logger } from './observability';

/**
 * The stores a platform's compute may need before the rest is built (the AWS compute reads jobs and runners; the
 * local task compute reads projects). Built once and shared with the rest of the dependencies.
 */
export interface CoreStores {
  table: DynamoTable;
  pipelines: PipelineStore;
  runners: RunnerStore;
  projects: DynamoProjectStore;
}

/** What differs between a deployment in AWS and the all-in-one: keys, compute, email, metrics, and where git works. */
export interface PlatformParts {
  signingKey: Buffer;
  cipher: SecretCipher;
  oidcKey: OidcSigningKey;
  compute: JobCompute;
  machinePool?: ControlPlaneDeps['machinePool'];
  /** The GitHub App's settings as stored in Secrets Manager (JSON), when deployed with one. */
  githubSecretJson?: string;
  mailer?: Mailer;
  metrics?: JobMetrics;
  /** Registry orbs looked up before the private registry in the bucket. */
  orbResolvers: OrbResolver[];
  /** Registry logins for agents that pull jobs' private images themselves (local mode; Fargate pulls with its role). */
  registryTokens?: ControlPlaneDeps['registryTokens'];
  /** Where the dispatcher stores docker images' `auth` for Fargate's pulls (AWS). */
  registryCredentials?: ControlPlaneDeps['registryCredentials'];
  /** Where git clones and caches repositories. */
  gitDir: string;
  /** Local mode: job SSH servers listen on the API's host, webhooks may reach loopback over http. */
  local: boolean;
  /** AWS: ECS Exec sessions into Fargate tasks (rerun with SSH), which their agents cannot see. */
  execSessions?: ControlPlaneDeps['execSessions'];
}

export function coreStores(clients: AwsClients, env: FunctionEnv): CoreStores {
  const table = new DynamoTable(clients.dynamo, env.TABLE_NAME);
  return { table, pipelines: new DynamoPipelineStore(table), runners: new DynamoRunnerStore(table), projects: new DynamoProjectStore(table) };
}

function github(env: FunctionEnv, parts: PlatformParts, table: DynamoTable) {
  const settings = loadGitHubSettings(
    {
      secretJson: parts.githubSecretJson,
      file: env.SLIPWAY_GITHUB_APP_FILE,
      appId: env.SLIPWAY_GITHUB_APP_ID,
      privateKey: env.SLIPWAY_GITHUB_APP_PRIVATE_KEY,
      webhookSecret: env.SLIPWAY_GITHUB_WEBHOOK_SECRET,
      clientId: env.SLIPWAY_GITHUB_CLIENT_ID,
      clientSecret: env.SLIPWAY_GITHUB_CLIENT_SECRET,
    },
    (m) => logger.warn(m),
  );
  const installations = new DynamoGitHubInstallationStore(table);
  const app = settings.app ? new GitHubApp({ ...settings.app, apiUrl: env.GITHUB_API_URL }, installations, systemClock) : undefined;
  return { settings, installations, app };
}

/**
 * Rerun with SSH: the limits; locally, job SSH servers listen on the API's host only; in AWS, EC2 machines are
 * reached through Session Manager (the stack's Session document, in the functions' region).
 */
export function sshSessionsOf(
  env: Pick<FunctionEnv, 'SLIPWAY_SSH_IDLE_SECONDS' | 'SLIPWAY_SSH_MAX_SECONDS' | 'PUBLIC_URL' | 'MACHINE_SSH_DOCUMENT' | 'AWS_REGION'>,
  local: boolean,
): ControlPlaneDeps['sshSessions'] {
  const host = new URL(env.PUBLIC_URL).hostname;
  return {
    idleSeconds: env.SLIPWAY_SSH_IDLE_SECONDS,
    maxSeconds: env.SLIPWAY_SSH_MAX_SECONDS,
    ...(local && { bind: host, host }),
    ...(!local && env.MACHINE_SSH_DOCUMENT && env.AWS_REGION && { machineSsm: { region: env.AWS_REGION, document: env.MACHINE_SSH_DOCUMENT } }),
  };
}

/**
 * Everything the use cases need, from the platform's parts and the stores every deployment shares (DynamoDB,
 * SQS, S3 — real in AWS, emulated locally). Called by each composition root: `functions/composition.ts` (AWS)
 * and `local/composition.ts` (the all-in-one).
 */
export async function assembleDeps(env: FunctionEnv, clients: AwsClients, core: CoreStores, parts: PlatformParts): Promise<ControlPlaneDeps> {
  const { table, pipelines, runners, projects } = core;
  const blobs = new S3BlobStore(clients.s3, env.BUCKET_NAME);
  const gitSource = new GitCliRepositorySource(join(parts.gitDir, 'git'));
  const gh = github(env, parts, table);
  const githubOAuth = gh.settings.oauth ? { ...gh.settings.oauth, ...githubBaseUrls(env.GITHUB_API_URL, env.GITHUB_WEB_URL) } : undefined;
  const orbResolver = new ChainedOrbResolver([...parts.orbResolvers, new BlobOrbResolver(blobs)]);
  const deps: ControlPlaneDeps = {
    runners,
    sshKeys: new DynamoSshKeyStore(table),
    oidcKey: parts.oidcKey,
    oidcClaims: new DynamoOidcClaimsStore(table),
    userSshKeys: new DynamoUserSshKeyStore(table),
    sshSessions: sshSessionsOf(env, parts.local),
    execSessions: parts.execSessions,
    pipelines,
    projects,
    identity: new DynamoIdentityStore(table),
    contexts: new DynamoContextStore(table),
    schedules: new DynamoScheduleStore(table),
    dedupe: new DynamoDedupeStore(table),
    caches: new DynamoCacheIndex(table),
    cacheRetentionDays: env.CACHE_RETENTION_DAYS,
    queue: new SqsMessageQueue(
      clients.sqs,
      { triggers: env.TRIGGERS_QUEUE_URL, dispatch: env.DISPATCH_QUEUE_URL, events: env.EVENTS_QUEUE_URL, notify: env.NOTIFY_QUEUE_URL },
      { triggers: env.TRIGGERS_DLQ_URL, dispatch: env.DISPATCH_DLQ_URL, events: env.EVENTS_DLQ_URL, notify: env.NOTIFY_DLQ_URL },
    ),
    blobs,
    orbResolver,
    configCompiler: new WorkerConfigCompiler({ orbResolver }),
    cipher: parts.cipher,
    // The smoke-test project's built-in repository first (`slipway admin smoke-test`), then GitHub or git.
    repos: new BuiltinRepositorySource(gh.app ? new GitHubRepositorySource(gh.app, gitSource) : gitSource),
    // Self-hosted resource classes (`ns/name`) wait in the runner queue for `slipway runner` instead of compute.
    compute: new RunnerQueueCompute(parts.compute, runners, systemClock),
    machinePool: parts.machinePool,
    registryTokens: parts.registryTokens,
    registryCredentials: parts.registryCredentials,
    tokens: new TokenService(parts.signingKey),
    clock: systemClock,
    metrics: parts.metrics,
    publicUrl: env.PUBLIC_URL.replace(/\/$/, ''),
    leaseSeconds: env.JOB_LEASE_SECONDS,
    githubWebhookSecrets: gh.settings.webhookSecrets,
    githubInstallations: gh.installations,
    commitStatuses: gh.app ? new GitHubCommitStatusNotifier(gh.app) : undefined,
    webhooks: new DynamoWebhookStore(table),
    // SSRF: public targets only, unless the operator allows private ones; local mode also reaches loopback over http.
    webhookTransport: new GuardedWebhookTransport({
      allowPrivate: env.SLIPWAY_WEBHOOK_ALLOW_PRIVATE === 'true',
      allowLoopback: parts.local,
      allowHttp: parts.local,
    }),
    mailer: parts.mailer,
    notificationPreferences: new DynamoNotificationPreferences(table),
    auditLog: new S3AuditLog(clients.s3, env.BUCKET_NAME, { retentionDays: env.AUDIT_RETENTION_DAYS }),
    githubWebUrl: gh.app?.webUrl,
    githubOAuth,
    githubOAuthClient: githubOAuth && new GitHubOAuthHttpClient(githubOAuth),
  };
  if (env.SLIPWAY_ADMIN_TOKEN) await seedAdmin(deps, env.SLIPWAY_ADMIN_TOKEN);
  return deps;
}

/** Provides the dependencies a handler works with (built once per runtime by its composition root). */
export type DepsProvider = () => Promise<ControlPlaneDeps>;

/** Caches a build: one per runtime; a failed build is retried by the next call. */
export function cachedDeps(build: () => Promise<ControlPlaneDeps>): DepsProvider {
  let cached: Promise<ControlPlaneDeps> | undefined;
  return () => {
    cached ??= build().catch((e) => {
      cached = undefined;
      throw e;
    });
    return cached;
  };
}
