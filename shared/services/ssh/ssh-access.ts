import type { Job, Project, User } from '../../model/entities';
import { ConflictError, NotFoundError, ValidationError } from '../../model/errors';
import { FARGATE_TASK_LAYOUT, MACHINE_SSH_PORT } from '../../model/resource-classes';
import type { JobSpec } from '../../model/job-spec';
import type { UserSshKey } from '../../ports/user-ssh-key-store';
import { roleIn } from '../identity/auth';
import { recordAudit } from '../audit/audit';
import type { ControlPlaneDeps } from '../deps';
import type { AdvancedSettings } from '../projects/project-settings';
import { describePublicKey } from './ssh-key-format';

/**
 * Rerun with SSH: users' registered SSH public keys, and who may connect to a job (users with write access —
 * member or admin — to the project's organisation, with their registered keys).
 */
type Deps = Pick<ControlPlaneDeps, 'userSshKeys' | 'clock'>;

/** CircleCI's limits: reachable until 10 minutes after the last session closes, 2 hours at most. */
export const SSH_IDLE_SECONDS = 600;
export const SSH_MAX_SECONDS = 7200;
const MAX_KEYS_PER_USER = 50;

const apiKey = (k: UserSshKey) => ({
  title: k.title,
  public_key: k.publicKey,
  fingerprint: k.sha256Fingerprint,
  md5_fingerprint: k.fingerprint,
  created_at: k.createdAt,
});

export async function listUserSshKeys(deps: Deps, user: User) {
  return { items: (await deps.userSshKeys.list(user.id)).map(apiKey), next_page_token: null };
}

/** Registers a public key for the user; the same key twice is refused with what to do. */
export async function addUserSshKey(deps: Deps, user: User, input: { title?: string; key: string }) {
  const info = describePublicKey(input.key);
  const title = (input.title ?? input.key.trim().split(/\s+/).slice(2).join(' ')).trim() || 'SSH key';
  if (title.length > 100) throw new ValidationError('title must be at most 100 characters.');
  if ((await deps.userSshKeys.list(user.id)).length >= MAX_KEYS_PER_USER)
    throw new ValidationError(`You have ${MAX_KEYS_PER_USER} SSH keys already; delete one first.`);
  const key: UserSshKey = {
    userId: user.id,
    title,
    publicKey: info.publicKey,
    sha256Fingerprint: info.sha256Fingerprint,
    fingerprint: info.fingerprint,
    createdAt: deps.clock.now().toISOString(),
  };
  if (!(await deps.userSshKeys.put(key))) throw new ValidationError(`This key (${info.sha256Fingerprint}) is registered already.`);
  return apiKey(key);
}

export async function deleteUserSshKey(deps: Deps, user: User, fingerprint: string) {
  if (!(await deps.userSshKeys.delete(user.id, fingerprint)))
    throw new NotFoundError(`No SSH key ${fingerprint} is registered for you; list them with GET /api/v2/slipway/me/ssh-keys.`);
  return { message: 'OK' };
}

/** A GitHub user's public SSH keys (`GET /users/{login}/keys`); none when GitHub cannot be reached. */
async function githubKeys(apiUrl: string, login: string, fetchFn: typeof fetch): Promise<string[]> {
  try {
    const res = await fetchFn(`${apiUrl}/users/${encodeURIComponent(login)}/keys`, {
      headers: { accept: 'application/vnd.github+json' },
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return [];
    const body = (await res.json()) as Array<{ key?: unknown }>;
    return Array.isArray(body) ? body.flatMap((k) => (typeof k.key === 'string' ? [k.key] : [])) : [];
  } catch {
    return [];
  }
}

/**
 * The keys that may connect to a job of `project`: those registered by users with write access to its
 * organisation, plus, when GitHub sign-in is configured, the public keys of those who are GitHub users.
 */
export async function authorizedSshKeys(
  deps: Pick<ControlPlaneDeps, 'userSshKeys' | 'identity' | 'githubOAuth'>,
  project: Project,
  fetchFn: typeof fetch = fetch,
): Promise<NonNullable<JobSpec['ssh']>['authorizedKeys']> {
  const writers = (await deps.identity.listUsers()).filter((u) => ['member', 'admin'].includes(roleIn(u, project.organizationSlug) ?? ''));
  const github = deps.githubOAuth?.apiUrl;
  const keys = await Promise.all(
    writers.map(async (u) => {
      const own = (await deps.userSshKeys.list(u.id)).map((k) => k.publicKey);
      const fromGithub = github && u.githubId !== undefined ? await githubKeys(github, u.login, fetchFn) : [];
      return [...new Set([...own, ...fromGithub])].map((publicKey) => ({ login: u.login, publicKey }));
    }),
  );
  return keys.flat();
}

/** The `disable_ssh` project setting refuses reruns with SSH. */
export function assertSshAllowed(project: Project): void {
  if ((project.settings as AdvancedSettings).disableSsh) {
    throw new ValidationError(
      `Rerun with SSH is disabled for project ${project.slug} (its disable_ssh setting). A project admin can allow it under Project Settings › Advanced, or rerun without SSH.`,
    );
  }
}

/** The Session Manager path into machine jobs (AWS mode): the stack's region and its Session document's name. */
export type MachineSsm = NonNullable<NonNullable<ControlPlaneDeps['sshSessions']>['machineSsm']>;

const machineInstance = (computeId: string | undefined) => /^machine:(i-[0-9a-f]+)$/.exec(computeId ?? '')?.[1];

/**
 * The OpenSSH command into the agent's SSH server on an EC2 machine: Session Manager carries the connection
 * (`aws ssm start-session` as ProxyCommand with the stack's port-restricted Session document); the agent still
 * checks the user's registered key. Needs the AWS CLI, its Session Manager plugin and `ssm:StartSession`.
 */
export function machineSshCommand(ssm: MachineSsm, instanceId: string): string[] {
  const proxy = `aws ssm start-session --region ${ssm.region} --target %h --document-name ${ssm.document} --parameters portNumber=%p`;
  return ['ssh', '-o', `ProxyCommand=${proxy}`, '-p', String(MACHINE_SSH_PORT), `circleci@${instanceId}`];
}

/**
 * The spec's `ssh` additions for a task on an EC2 machine (`machine:<instance id>`): listen on loopback at
 * {@link MACHINE_SSH_PORT} and show the Session Manager command. Undefined elsewhere.
 */
export function machineSshListener(ssm: MachineSsm | undefined, computeId: string | undefined): { bind: string; port: number; connect: string[] } | undefined {
  const instanceId = machineInstance(computeId);
  if (!ssm || !instanceId) return undefined;
  return { bind: '127.0.0.1', port: MACHINE_SSH_PORT, connect: machineSshCommand(ssm, instanceId) };
}

/**
 * How to get into a running job rerun with SSH (`slipway ssh`): on Fargate, the `aws ecs execute-command`
 * argv into the primary container of each task (ECS Exec: no inbound port, IAM decides who may exec); on an EC2
 * machine, `ssh` through Session Manager to the agent's SSH server (no inbound port either; IAM decides who may
 * open the tunnel, the registered keys who may log in); elsewhere the job's output carries the `ssh -p` command.
 * Each running task's `computeId` names its unit: the caller fills it in from the compute port
 * (`withRunningCompute`), as the store records only a machine instance's claim.
 */
export function sshAccess(job: Job, machineSsm?: MachineSsm) {
  if (!job.sshRerun) throw new ValidationError(`Job ${job.name} (#${job.number}) was not rerun with SSH: rerun it with enable_ssh first.`);
  const running = job.tasks.filter((t) => t.status === 'running');
  if (!running.length) throw new ConflictError(`Job ${job.name} (#${job.number}) is ${job.status}, not running: there is nothing to connect to.`);
  return {
    tasks: running.map((t) => {
      const machine = machineSshListener(machineSsm, t.computeId);
      if (machine) return { index: t.index, method: 'ssm' as const, command: machine.connect };
      const ecs = /^arn:aws[\w-]*:ecs:([^:]+):\d+:task\/([^/]+)\/[^/]+$/.exec(t.computeId ?? '');
      if (!ecs)
        return { index: t.index, method: 'ssh' as const, message: 'Use the `ssh -p <port> <host>` command in the output of the job\'s "Enable SSH" step.' };
      const command = [
        'aws',
        'ecs',
        'execute-command',
        '--region',
        ecs[1],
        '--cluster',
        ecs[2],
        '--task',
        t.computeId!,
        '--container',
        FARGATE_TASK_LAYOUT.primaryContainer,
        '--interactive',
        '--command',
        '/bin/sh',
      ];
      return { index: t.index, method: 'ecs-exec' as const, command };
    }),
  };
}

/**
 * A user asked how to get into a running job (`slipway ssh`): an audit event (`ssh.access_requested`) naming the
 * way in. ECS Exec sessions never reach the agent, so on Fargate this, and CloudTrail's `ExecuteCommand`, are the
 * record; SSH sessions (local, self-hosted, EC2 machines) are audited by the agent as they open and close.
 */
export function auditSshAccess(
  deps: Pick<ControlPlaneDeps, 'auditLog' | 'clock'>,
  job: Job,
  user: User,
  request: { id: string | null; ip: string | null; user_agent: string | null },
  access: ReturnType<typeof sshAccess>,
): void {
  recordAudit(deps, {
    actor: { id: user.id, login: user.login, type: 'user' },
    action: 'ssh.access_requested',
    target: { type: 'job', id: job.id },
    request,
    outcome: 'success',
    metadata: {
      project: job.projectSlug,
      job_number: job.number ?? null,
      job_name: job.name,
      methods: [...new Set(access.tasks.map((t) => t.method))].join(','),
    },
  });
}

/** What the agent of a job rerun with SSH reports about each session. */
export interface SshSessionEvent {
  event: 'opened' | 'closed' | 'refused';
  /** The Slipway user whose key connected (absent when refused). */
  login?: string;
  ip: string;
}

/** Every SSH session (and refused attempt) into a job is an audit event (`ssh.session_opened`, …). */
export function auditSshSession(deps: Pick<ControlPlaneDeps, 'auditLog' | 'clock' | 'metrics'>, job: Job, taskIndex: number, e: SshSessionEvent): void {
  recordAudit(deps, {
    actor: e.login ? { id: null, login: e.login, type: 'user' } : { id: null, login: null, type: 'anonymous' },
    action: `ssh.session_${e.event}`,
    target: { type: 'job', id: job.id },
    request: { id: null, ip: e.ip, user_agent: null },
    outcome: e.event === 'refused' ? 'failure' : 'success',
    metadata: { project: job.projectSlug, job_number: job.number ?? null, job_name: job.name, task: taskIndex },
  });
}
