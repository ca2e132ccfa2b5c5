import type { BlobStore } from '../ports/blob-store';
import type { CommitStatusNotifier } from '../ports/commit-status-notifier';
import type { ConfigCompiler } from '../ports/config-compiler';
import type { Clock } from '../ports/clock';
import type { ContextStore } from '../ports/context-store';
import type { CacheIndex } from '../ports/cache-index';
import type { DedupeStore } from '../ports/dedupe-store';
import type { GitHubInstallationStore } from '../ports/github-installation-store';
import type { GitHubOAuthClient } from '../ports/github-oauth-client';
import type { IdentityStore } from '../ports/identity-store';
import type { JobCompute } from '../ports/job-compute';
import type { JobMetrics } from '../ports/job-metrics';
import type { MessageQueue } from '../ports/message-queue';
import type { OidcClaimsStore } from '../ports/oidc-claims-store';
import type { OidcSigningKey } from '../ports/oidc-signing-key';
import type { OrbResolver } from '../ports/orb-resolver';
import type { PipelineStore } from '../ports/pipeline-store';
import type { ProjectStore } from '../ports/project-store';
import type { RegistryCredentialStore } from '../ports/registry-credentials';
import type { RegistryTokens } from '../ports/registry-tokens';
import type { RepositorySource } from '../ports/repository-source';
import type { RunnerStore } from '../ports/runner-store';
import type { ScheduleStore } from '../ports/schedule-store';
import type { SecretCipher } from '../ports/secret-cipher';
import type { SshKeyStore } from '../ports/ssh-key-store';
import type { UserSshKeyStore } from '../ports/user-ssh-key-store';
import type { WebhookStore } from '../ports/webhook-store';
import type { Mailer } from '../ports/mailer';
import type { AuditLog } from '../ports/audit-log';
import type { ExecSessions } from '../ports/exec-sessions';
import type { NotificationPreferenceStore } from '../ports/notification-preferences';
import type { WebhookTransport } from '../ports/webhook-transport';
import type { GitHubOAuthSettings } from './identity/oauth';
import type { MachinePool } from '../ports/machine-pool';
import type { TokenSigner } from '../ports/token-signer';

/** Everything the use cases need, built by a composition root (functions/, local/, cli/). */
export interface ControlPlaneDeps {
  pipelines: PipelineStore;
  projects: ProjectStore;
  identity: IdentityStore;
  contexts: ContextStore;
  schedules: ScheduleStore;
  dedupe: DedupeStore;
  queue: MessageQueue;
  blobs: BlobStore;
  /** Which caches each project has (restore_cache looks keys up here rather than listing the bucket). */
  caches?: CacheIndex;
  /** Days caches are kept (the bucket's lifecycle rule for `caches/`); default 15. */
  cacheRetentionDays?: number;
  cipher: SecretCipher;
  repos: RepositorySource;
  compute: JobCompute;
  /**
   * Registry logins (ECR's, for `aws_auth`) for agents that pull the job's images themselves (local mode's docker
   * executor). None on AWS: Fargate pulls the images with the task execution role.
   */
  registryTokens?: RegistryTokens;
  /**
   * On AWS: where the dispatcher stores a docker image's `auth` so that Fargate pulls with it (the task
   * definition references the stored login, never the password). None where agents pull the images themselves.
   */
  registryCredentials?: RegistryCredentialStore;
  /** Self-hosted runner resource classes, tokens and the runner queue. */
  runners: RunnerStore;
  /** Projects' checkout keys and additional SSH keys (private keys encrypted by `cipher`). */
  sshKeys: SshKeyStore;
  tokens: TokenSigner;
  /** Users' SSH public keys (rerun with SSH). */
  userSshKeys: UserSshKeyStore;
  /**
   * Rerun with SSH: seconds after the last session closes, and at most after the steps end (CircleCI: 600, 7200);
   * locally, where job SSH servers listen; on AWS, the Session Manager path into EC2 machines (the stack's region
   * and its port-restricted Session document).
   */
  sshSessions?: { idleSeconds: number; maxSeconds: number; bind?: string; host?: string; machineSsm?: { region: string; document: string } };
  /**
   * AWS: ECS Exec sessions into Fargate tasks, which their agents cannot see; heartbeats of jobs rerun with SSH
   * ask it so the agent's idle wait follows them. None: agents see every session themselves.
   */
  execSessions?: ExecSessions;
  /** Signs jobs' OIDC tokens (a KMS key on AWS, a key file locally). */
  oidcKey: OidcSigningKey;
  /** Organisations' and projects' OIDC custom claims (audience, lifetime). */
  oidcClaims: OidcClaimsStore;
  clock: Clock;
  /** Operational metrics for the dashboard (CloudWatch in AWS; none locally). */
  metrics?: JobMetrics;
  orbResolver?: OrbResolver;
  /** Compiles users' configs away from the serving thread (a worker with memory and time caps). None: in-process. */
  configCompiler?: ConfigCompiler;
  /** Public base URL of the HTTP API, without a trailing slash. */
  publicUrl: string;
  /** Seconds an agent may stay silent before its task is failed. */
  leaseSeconds: number;
  /** GitHub webhook secrets; a delivery signed with any one is accepted (rotation). None: no webhooks. */
  githubWebhookSecrets?: string[];
  /** Which GitHub App installation reaches which repository (kept current by installation webhooks). */
  githubInstallations?: GitHubInstallationStore;
  /** Commit statuses for jobs (a GitHub App is configured). */
  commitStatuses?: CommitStatusNotifier;
  /** AWS: the EC2 machine pools (their runners' token, idle scale-in). None: no machine executor. */
  machinePool?: MachinePool;
  /** Sign-in with GitHub (the App's OAuth client is configured). None: API tokens only. */
  githubOAuth?: GitHubOAuthSettings;
  /** GitHub's side of the sign-in (code exchange, the user, their App installations); set with `githubOAuth`. */
  githubOAuthClient?: GitHubOAuthClient;
  /** Outbound webhooks (CircleCI API v2 `/webhook`) and their delivery log. None: the feature is off. */
  webhooks?: WebhookStore;
  /** Sends outbound webhooks, refusing targets the operator does not allow (SSRF). */
  webhookTransport?: WebhookTransport;
  /** Email (SES in AWS, SMTP locally). None: no email notifications. */
  mailer?: Mailer;
  /** Per-user and per-project email notification settings, and each branch's last outcome. */
  notificationPreferences?: NotificationPreferenceStore;
  /** The audit log (S3 with Object Lock). None: nothing is recorded. Written through `services/identity/audit.ts`. */
  auditLog?: AuditLog;
  /** The web host of the GitHub the App is installed on (`https://github.com` or a GHES host). None: no App. */
  githubWebUrl?: string;
}
