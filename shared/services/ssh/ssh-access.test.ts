import type { Job, Project, User } from '../../model/entities';
import type { UserSshKey } from '../../ports/user-ssh-key-store';
import { MACHINE_SSH_PORT } from '../../model/resource-classes';
import { assertSshAllowed, auditSshAccess, authorizedSshKeys, machineSshListener, sshAccess } from './ssh-access';
import { sshSpec } from '../runners/runner-protocol';
import type { ControlPlaneDeps } from '../deps';

const user = (login: string, role: User['roles'][string] | undefined, githubId?: number): User => ({
  id: `id-${login}`,
  login,
  name: login,
  roles: role ? { 'gh/acme': role } : {},
  admin: false,
  createdAt: '',
  ...(githubId && { githubId }),
});
const project = { slug: 'gh/acme/app', organizationSlug: 'gh/acme', settings: {} } as unknown as Project;
const registered: Record<string, string[]> = {
  'id-writer': ['ssh-ed25519 AAAAwriter'],
  'id-reader': ['ssh-ed25519 AAAAreader'],
  'id-octo': ['ssh-ed25519 AAAAsame'],
};

function deps(githubOAuth?: { apiUrl: string }) {
  return {
    identity: { listUsers: async () => [user('writer', 'member'), user('reader', 'viewer'), user('octo', 'admin', 42), user('outsider', undefined, 7)] },
    userSshKeys: { list: async (id: string) => (registered[id] ?? []).map((publicKey) => ({ publicKey }) as UserSshKey) },
    githubOAuth,
  } as unknown as ControlPlaneDeps;
}

describe('authorizedSshKeys', () => {
  it('lets in the registered keys of users with write access only', async () => {
    expect(await authorizedSshKeys(deps(), project)).toEqual([
      { login: 'writer', publicKey: 'ssh-ed25519 AAAAwriter' },
      { login: 'octo', publicKey: 'ssh-ed25519 AAAAsame' },
    ]);
  });

  it("adds GitHub users' public keys when GitHub is configured, and survives GitHub being down", async () => {
    const asked: string[] = [];
    const github = (async (url: string) => {
      asked.push(url);
      return new Response(
        JSON.stringify([
          { id: 1, key: 'ssh-ed25519 AAAAsame' },
          { id: 2, key: 'ssh-rsa AAAAgithub' },
        ]),
        { status: 200 },
      );
    }) as typeof fetch;
    expect(await authorizedSshKeys(deps({ apiUrl: 'https://ghe.example.com/api/v3' }), project, github)).toEqual([
      { login: 'writer', publicKey: 'ssh-ed25519 AAAAwriter' },
      { login: 'octo', publicKey: 'ssh-ed25519 AAAAsame' },
      { login: 'octo', publicKey: 'ssh-rsa AAAAgithub' },
    ]);
    expect(asked).toEqual(['https://ghe.example.com/api/v3/users/octo/keys']);
    const down = (async () => {
      throw new Error('ECONNREFUSED');
    }) as typeof fetch;
    expect(await authorizedSshKeys(deps({ apiUrl: 'https://api.github.com' }), project, down)).toHaveLength(2);
  });
});

describe('assertSshAllowed', () => {
  it('refuses a project with disable_ssh, saying where to change it', () => {
    expect(() => assertSshAllowed({ ...project, settings: { disableSsh: true } } as unknown as Project)).toThrow(/disable_ssh.*Project Settings › Advanced/);
    expect(() => assertSshAllowed(project)).not.toThrow();
  });
});

describe('sshAccess', () => {
  const job = (over: Partial<Job>) => ({ name: 'build', number: 7, status: 'running', sshRerun: true, tasks: [], ...over }) as unknown as Job;
  const arn = 'arn:aws:ecs:eu-west-1:123456789012:task/slipway-cluster/0123abcd';

  it('gives the ECS Exec command into the primary container of a running Fargate task, and says to use ssh elsewhere', () => {
    const access = sshAccess(
      job({
        tasks: [
          { index: 0, status: 'running', computeId: arn },
          { index: 1, status: 'running', computeId: 'local:123' },
          { index: 2, status: 'success' },
        ] as Job['tasks'],
      }),
    );
    expect(access.tasks).toEqual([
      {
        index: 0,
        method: 'ecs-exec',
        command: [
          'aws',
          'ecs',
          'execute-command',
          '--region',
          'eu-west-1',
          '--cluster',
          'slipway-cluster',
          '--task',
          arn,
          '--container',
          'primary',
          '--interactive',
          '--command',
          '/bin/sh',
        ],
      },
      { index: 1, method: 'ssh', message: expect.stringMatching(/Enable SSH/) },
    ]);
  });

  it('gives the ssh command through Session Manager into the agent of a running EC2 machine task', () => {
    const ssm = { region: 'eu-west-1', document: 'Slipway-MachineSsh-AbC123' };
    const access = sshAccess(
      job({
        tasks: [
          { index: 0, status: 'running', computeId: 'machine:i-0123456789abcdef0' },
          { index: 1, status: 'running', computeId: arn },
        ] as Job['tasks'],
      }),
      ssm,
    );
    expect(access.tasks).toEqual([
      {
        index: 0,
        method: 'ssm',
        command: [
          'ssh',
          '-o',
          'ProxyCommand=aws ssm start-session --region eu-west-1 --target %h --document-name Slipway-MachineSsh-AbC123 --parameters portNumber=%p',
          '-p',
          '54782',
          'circleci@i-0123456789abcdef0',
        ],
      },
      { index: 1, method: 'ecs-exec', command: expect.arrayContaining(['execute-command']) },
    ]);
    // Without the stack's Session document (local mode, self-hosted runners) there is no Session Manager path.
    expect(sshAccess(job({ tasks: [{ index: 0, status: 'running', computeId: 'machine:i-0123456789abcdef0' }] as Job['tasks'] })).tasks[0].method).toBe('ssh');
  });

  it('refuses a job not rerun with SSH, or not running', () => {
    expect(() => sshAccess(job({ sshRerun: undefined }))).toThrow(/not rerun with SSH/);
    expect(() => sshAccess(job({ status: 'failed', tasks: [{ index: 0, status: 'failed' }] as Job['tasks'] }))).toThrow(/is failed, not running/);
  });
});

describe('sshSpec (the job spec of a task rerun with SSH)', () => {
  const sessions = { idleSeconds: 600, maxSeconds: 7200 };
  const ssm = { region: 'eu-west-1', document: 'Slipway-MachineSsh-AbC123' };
  const withSessions = (s: object) => ({ ...deps(), sshSessions: s }) as unknown as ControlPlaneDeps;

  it('on an EC2 machine: listens on loopback at the fixed port, forwarded by Session Manager, and shows that command', async () => {
    const spec = await sshSpec(withSessions({ ...sessions, machineSsm: ssm }), project, 'machine:i-0123456789abcdef0');
    expect(spec).toEqual({
      ...sessions,
      bind: '127.0.0.1',
      port: MACHINE_SSH_PORT,
      connect: machineSshListener(ssm, 'machine:i-0123456789abcdef0')!.connect,
      authorizedKeys: [
        { login: 'writer', publicKey: 'ssh-ed25519 AAAAwriter' },
        { login: 'octo', publicKey: 'ssh-ed25519 AAAAsame' },
      ],
    });
    expect(spec).not.toHaveProperty('machineSsm');
  });

  it('elsewhere (self-hosted runners, Fargate, local): any port, as configured, with the plain ssh command', async () => {
    expect(await sshSpec(withSessions({ ...sessions, machineSsm: ssm }), project, 'runner:abc')).toEqual({ ...sessions, authorizedKeys: expect.any(Array) });
    expect(await sshSpec(withSessions({ ...sessions, bind: '127.0.0.1', host: 'localhost' }), project, 'machine:i-0123456789abcdef0')).toEqual({
      ...sessions,
      bind: '127.0.0.1',
      host: 'localhost',
      authorizedKeys: expect.any(Array),
    });
    expect(await sshSpec({ ...deps() } as ControlPlaneDeps, project, undefined)).toEqual({
      idleSeconds: 600,
      maxSeconds: 7200,
      authorizedKeys: expect.any(Array),
    });
  });
});

describe('auditSshAccess', () => {
  it('records who asked for the way into which job, and which way (ECS Exec sessions never reach the agent)', () => {
    const events: unknown[] = [];
    const job = {
      id: 'job-1',
      name: 'build',
      number: 7,
      projectSlug: 'gh/acme/app',
      sshRerun: true,
      status: 'running',
      tasks: [{ index: 0, status: 'running', computeId: 'arn:aws:ecs:eu-west-1:123456789012:task/c/0123abcd' }],
    } as unknown as Job;
    const request = { id: 'req-1', ip: '203.0.113.9', user_agent: 'slipway-cli' };
    auditSshAccess(
      { auditLog: { record: (e: unknown) => events.push(e) }, clock: { now: () => new Date('2026-12-07T10:00:00Z') } } as unknown as ControlPlaneDeps,
      job,
      user('writer', 'member'),
      request,
      sshAccess(job),
    );
    expect(events).toEqual([
      {
        id: expect.any(String),
        occurred_at: '2026-12-07T10:00:00.000Z',
        actor: { id: 'id-writer', login: 'writer', type: 'user' },
        action: 'ssh.access_requested',
        target: { type: 'job', id: 'job-1' },
        request,
        outcome: 'success',
        metadata: { project: 'gh/acme/app', job_number: 7, job_name: 'build', methods: 'ecs-exec' },
      },
    ]);
  });
});
