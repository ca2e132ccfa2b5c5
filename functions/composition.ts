import { WorkerConfigCompiler } from '../shared/adapters/compile/worker-config-compiler';
import { KMSClient } from '@aws-sdk/client-kms';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAwsClients, withProcessHooks } from '../shared/adapters/aws/clients';
import { DynamoContextStore } from '../shared/adapters/aws/dynamo-context-store';
import { DynamoDedupeStore } from '../shared/adapters/aws/dynamo-dedupe-store';
import { DynamoIdentityStore } from '../shared/adapters/aws/dynamo-identity-store';
import { DynamoPipelineStore } from '../shared/adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../shared/adapters/aws/dynamo-project-store';
import { DynamoScheduleStore } from '../shared/adapters/aws/dynamo-schedule-store';
import { EcrRegistryTokens } from '../shared/adapters/aws/ecr-registry-tokens';
import { DynamoTable } from '../shared/adapters/aws/dynamo-table';
import { KmsEnvelopeCipher } from '../shared/adapters/aws/kms-envelope-cipher';
import { BlobOrbResolver, ChainedOrbResolver } from '../shared/adapters/aws/blob-orb-resolver';
import { PowertoolsJobMetrics } from '../shared/adapters/aws/powertools-job-metrics';
import { S3BlobStore } from '../shared/adapters/aws/s3-blob-store';
import { DirectoryOrbResolver } from '../shared/adapters/local/directory-orb-resolver';
import { SqsMessageQueue } from '../shared/adapters/aws/sqs-message-queue';
import { GitCliRepositorySource, localRepositoryPath } from '../shared/adapters/local/git-cli-repository-source';
import { EngineTaskCompute } from '../shared/adapters/local/engine-task-compute';
import { HostProcessCompute } from '../shared/adapters/local/host-process-compute';
import { LocalKeyCipher } from '../shared/adapters/local/local-key-cipher';
import { DynamoGitHubInstallationStore } from '../shared/adapters/vcs/dynamo-github-installation-store';
import { GitHubApp } from '../shared/adapters/vcs/github-app';
import { loadGitHubSettings } from '../shared/adapters/vcs/github-app-config';
import { GitHubCommitStatusNotifier } from '../shared/adapters/vcs/github-commit-status-notifier';
import { GitHubRepositorySource } from '../shared/adapters/vcs/github-repository-source';
import type { JobCompute } from '../shared/ports/job-compute';
import { DynamoRunnerStore } from '../shared/adapters/aws/dynamo-runner-store';
import { DynamoSshKeyStore } from '../shared/adapters/aws/dynamo-ssh-key-store';
import { DynamoOidcClaimsStore } from '../shared/adapters/aws/dynamo-oidc-claims-store';
import { DynamoUserSshKeyStore } from '../shared/adapters/aws/dynamo-user-ssh-key-store';
import { KmsOidcSigningKey } from '../shared/adapters/aws/kms-oidc-signing-key';
import { LocalOidcSigningKey } from '../shared/adapters/local/local-oidc-signing-key';
import type { OidcSigningKey } from '../shared/ports/oidc-signing-key';
import { DynamoWebhookStore } from '../shared/adapters/aws/dynamo-webhook-store';
import { GuardedWebhookTransport } from '../shared/adapters/http/guarded-webhook-transport';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoNotificationPreferences } from '../shared/adapters/aws/dynamo-notification-preferences';
import { SesMailer } from '../shared/adapters/aws/ses-mailer';
import { SmtpMailer } from '../shared/adapters/local/smtp-mailer';
import type { Mailer } from '../shared/ports/mailer';
import { S3AuditLog } from '../shared/adapters/aws/s3-audit-log';
import { RunnerQueueCompute } from '../shared/services/runners-compute';
import { systemClock } from '../shared/ports/clock';
import { seedAdmin } from '../shared/services/auth';
import { githubBaseUrls } from '../shared/services/oauth';
import type { ControlPlaneDeps } from '../shared/services/deps';
import { TokenService } from '../shared/services/tokens';
import { readEnv, type FunctionEnv } from './env';
import { createAwsCompute } from './aws-compute';
import { logger } from './observability';

/** A key file in the data folder, created on first use (local mode's stand-in for KMS/Secrets Manager). */
function localKey(dataDir: string, name: string): Buffer {
  const dir = join(dataDir, 'keys');
  const file = join(dir, name);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32), { mode: 0o600, flag: 'wx' });
  }
  return readFileSync(file);
}

/** Email: SMTP locally (when `SLIPWAY_SMTP_URL` is set), SES in AWS (when a sender identity is set); otherwise none. */
function mailerFor(env: FunctionEnv, local: boolean): Mailer | undefined {
  if (local) return env.SLIPWAY_SMTP_URL ? new SmtpMailer(env.SLIPWAY_SMTP_URL, env.SLIPWAY_EMAIL_FROM ?? 'Slipway <slipway@localhost>') : undefined;
  return env.SLIPWAY_EMAIL_FROM ? new SesMailer(new SESv2Client({}), env.SLIPWAY_EMAIL_FROM) : undefined;
}

async function build(env: FunctionEnv): Promise<ControlPlaneDeps> {
  const clients = createAwsClients(process.env);
  const table = new DynamoTable(clients.dynamo, env.TABLE_NAME);
  const local = env.COMPUTE_MODE === 'local';
  const blobs = new S3BlobStore(clients.s3, env.BUCKET_NAME);
  const pipelines = new DynamoPipelineStore(table);
  const dataDir = env.DATA_DIR ?? '/tmp/slipway';
  let signingKey: Buffer;
  let oidcKey: OidcSigningKey;
  let cipher;
  let compute: JobCompute;
  let machinePool: ControlPlaneDeps['machinePool'];
  if (local) {
    signingKey = localKey(dataDir, 'signing.key');
    cipher = new LocalKeyCipher(localKey(dataDir, 'secrets.key'));
    oidcKey = new LocalOidcSigningKey(join(dataDir, 'keys', 'oidc.json'));
    const engine = env.DOCKER_HOST ? { DOCKER_HOST: env.DOCKER_HOST } : undefined;
    const host = new HostProcessCompute({ agentCommand: JSON.parse(env.SLIPWAY_AGENT_COMMAND ?? '[]'), workRoot: join(dataDir, 'work'), prewarm: true, env: engine });
    host.warm();
    // Docker jobs as Fargate tasks on the engine when the agent image is there; everything else on the host.
    const port = (url: string | undefined) => Number(url && new URL(url).port);
    compute = env.SLIPWAY_AGENT_IMAGE
      ? new EngineTaskCompute({
          agentImage: env.SLIPWAY_AGENT_IMAGE,
          env: { ...process.env, ...engine },
          fallback: host,
          loopbackPorts: () => [port(env.PUBLIC_URL), port(process.env.AWS_ENDPOINT_URL_S3)].filter(Boolean),
          // `checkout` of a project whose repository is a folder here reads it in the agent sidecar.
          hostPaths: async (task) => {
            const url = (await new DynamoProjectStore(table).getProject(task.projectSlug))?.repoUrl;
            const path = url && localRepositoryPath(url);
            return path && existsSync(path) ? [path] : [];
          },
        })
      : host;
  } else {
    const secret = await withProcessHooks(new SecretsManagerClient({})).send(new GetSecretValueCommand({ SecretId: env.SIGNING_KEY_SECRET_ARN }));
    signingKey = Buffer.from(secret.SecretString ?? '', 'utf8');
    cipher = new KmsEnvelopeCipher(withProcessHooks(new KMSClient({})), env.KMS_KEY_ID ?? '');
    oidcKey = new KmsOidcSigningKey(withProcessHooks(new KMSClient({})), { alias: env.OIDC_KEY_ALIAS, previousAlias: env.OIDC_PREVIOUS_KEY_ALIAS });
    const aws = createAwsCompute(env, () => pipelines, () => runners);
    compute = aws;
    machinePool = aws.machinePool;
  }
  const gitSource = new GitCliRepositorySource(join(local ? dataDir : '/tmp', 'git'));
  const githubSecret = !local && env.GITHUB_APP_SECRET_ARN ? await withProcessHooks(new SecretsManagerClient({})).send(new GetSecretValueCommand({ SecretId: env.GITHUB_APP_SECRET_ARN })) : undefined;
  const github = loadGitHubSettings({
    secretJson: githubSecret?.SecretString,
    file: env.SLIPWAY_GITHUB_APP_FILE,
    appId: env.SLIPWAY_GITHUB_APP_ID,
    privateKey: env.SLIPWAY_GITHUB_APP_PRIVATE_KEY,
    webhookSecret: env.SLIPWAY_GITHUB_WEBHOOK_SECRET,
    clientId: env.SLIPWAY_GITHUB_CLIENT_ID,
    clientSecret: env.SLIPWAY_GITHUB_CLIENT_SECRET,
  }, (m) => logger.warn(m));
  const githubInstallations = new DynamoGitHubInstallationStore(table);
  const githubApp = github.app ? new GitHubApp({ ...github.app, apiUrl: env.GITHUB_API_URL }, githubInstallations, systemClock) : undefined;
  // Self-hosted resource classes (`ns/name`) wait in the runner queue for `slipway runner` instead of compute.
  const runners = new DynamoRunnerStore(table);
  // Registry orbs: a local folder first (local mode), then the private registry in the bucket.
  const orbResolver = new ChainedOrbResolver([...(env.SLIPWAY_ORBS_DIR ? [new DirectoryOrbResolver(env.SLIPWAY_ORBS_DIR)] : []), new BlobOrbResolver(blobs)]);
  const deps: ControlPlaneDeps = {
    runners,
    sshKeys: new DynamoSshKeyStore(table),
    oidcKey,
    oidcClaims: new DynamoOidcClaimsStore(table),
    userSshKeys: new DynamoUserSshKeyStore(table),
    // Local mode: job SSH servers listen on the API's host only.
    sshSessions: { idleSeconds: env.SLIPWAY_SSH_IDLE_SECONDS, maxSeconds: env.SLIPWAY_SSH_MAX_SECONDS, ...(local && { bind: new URL(env.PUBLIC_URL).hostname, host: new URL(env.PUBLIC_URL).hostname }) },
    pipelines,
    projects: new DynamoProjectStore(table),
    identity: new DynamoIdentityStore(table),
    contexts: new DynamoContextStore(table),
    schedules: new DynamoScheduleStore(table),
    dedupe: new DynamoDedupeStore(table),
    queue: new SqsMessageQueue(clients.sqs, {
      triggers: env.TRIGGERS_QUEUE_URL,
      dispatch: env.DISPATCH_QUEUE_URL,
      events: env.EVENTS_QUEUE_URL,
      notify: env.NOTIFY_QUEUE_URL,
    }),
    blobs,
    orbResolver,
    configCompiler: new WorkerConfigCompiler({ orbResolver }),
    cipher,
    repos: githubApp ? new GitHubRepositorySource(githubApp, gitSource) : gitSource,
    compute: new RunnerQueueCompute(compute, runners, systemClock),
    ...(local && { registryTokens: new EcrRegistryTokens() }),
    machinePool,
    tokens: new TokenService(signingKey),
    clock: systemClock,
    metrics: local ? undefined : new PowertoolsJobMetrics(),
    publicUrl: env.PUBLIC_URL.replace(/\/$/, ''),
    leaseSeconds: env.JOB_LEASE_SECONDS,
    githubWebhookSecrets: github.webhookSecrets,
    githubInstallations,
    commitStatuses: githubApp ? new GitHubCommitStatusNotifier(githubApp) : undefined,
    webhooks: new DynamoWebhookStore(table),
    // SSRF: public targets only, unless the operator allows private ones; local mode also reaches loopback over http.
    webhookTransport: new GuardedWebhookTransport({ allowPrivate: env.SLIPWAY_WEBHOOK_ALLOW_PRIVATE === 'true', allowLoopback: local, allowHttp: local }),
    mailer: mailerFor(env, local),
    notificationPreferences: new DynamoNotificationPreferences(table),
    auditLog: new S3AuditLog(clients.s3, env.BUCKET_NAME, { retentionDays: env.AUDIT_RETENTION_DAYS }),
    githubWebUrl: githubApp?.webUrl,
    githubOAuth: github.oauth ? { ...github.oauth, ...githubBaseUrls(env.GITHUB_API_URL, env.GITHUB_WEB_URL) } : undefined,
  };
  if (env.SLIPWAY_ADMIN_TOKEN) await seedAdmin(deps, env.SLIPWAY_ADMIN_TOKEN);
  return deps;
}

let cached: Promise<ControlPlaneDeps> | undefined;

/** The composition root of every function: built once per runtime (Lambda instance or local process). */
export function getDeps(): Promise<ControlPlaneDeps> {
  cached ??= build(readEnv()).catch((e) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

/** Stops host agents started by this process (local mode shutdown). */
export async function shutdownDeps(): Promise<void> {
  if (!cached) return;
  const deps = await cached.catch(() => undefined);
  const compute = deps?.compute instanceof RunnerQueueCompute ? deps.compute.inner : deps?.compute;
  if (compute instanceof EngineTaskCompute) await compute.stopAll();
  const host = compute instanceof EngineTaskCompute ? compute.fallback : compute;
  if (host instanceof HostProcessCompute) host.stopAll();
  if (deps?.configCompiler instanceof WorkerConfigCompiler) await deps.configCompiler.close();
}
