import { decodeJwt } from 'jose';
import { Client, utils } from 'ssh2';
import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { jobOutput, jobsOf, poll, TERMINAL_WORKFLOW, workflowOf } from './control-plane-support';

jest.setTimeout(120_000);

const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    environment: { GREETING: hello-from-the-job }
    steps:
      - checkout
      - run: echo "tests fail"; exit 1
workflows:
  main: { jobs: [build] }
`;
const SLUG = 'gh/acme/ssh-rerun';

const newKey = () => utils.generateKeyPairSync('ed25519', { comment: 'test@e2e' });

/** Runs `command` over SSH as the holder of `privateKey`; resolves its output and exit code, or rejects (refused). */
function sshExec(port: number, privateKey: string, command: string): Promise<{ out: string; code: number }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    client
      .on('ready', () => {
        client.exec(command, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => (out += d));
          stream.stderr.on('data', (d: Buffer) => (out += d));
          stream.on('exit', (code: number) => {
            stream.on('close', () => (client.end(), resolve({ out, code })));
          });
        });
      })
      .on('error', reject)
      .connect({ host: '127.0.0.1', port, username: 'circleci', privateKey, readyTimeout: 20_000 });
  });
}

describe('rerun job with SSH (slipway dev)', () => {
  let server: DevServer;
  let api: DevServer['api'];
  let failed: { workflowId: string; jobId: string };
  const admin = newKey();
  const viewer = newKey();
  const stranger = newKey();

  beforeAll(async () => {
    // Idle timeout: long enough to connect after the job says how (its output is reported every 2 s), short for a test.
    server = await startDevServer({ env: { SLIPWAY_SSH_IDLE_SECONDS: '20', SLIPWAY_SSH_MAX_SECONDS: '90' } });
    api = checkedApi(server);
    const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'checked-out.txt': 'from the repository\n' });
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url })).status).toBe(201);
    expect((await api('POST', `/api/v2/project/${SLUG}/envvar`, { name: 'PROJECT_SECRET', value: 'project-secret-value' })).status).toBe(201);
    const trigger = await api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' });
    const { workflow, jobs } = await workflowOf(server, trigger.body.id);
    expect(jobs.build.status).toBe('failed');
    failed = { workflowId: workflow.id, jobId: jobs.build.id };
  }, 90_000);
  afterAll(async () => server?.stop());

  it("registers, lists and deletes a user's SSH public keys, refusing what is not one", async () => {
    const added = await server.api('POST', '/api/v2/slipway/me/ssh-keys', { title: 'laptop', key: admin.public });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({
      title: 'laptop',
      public_key: admin.public.split(' ').slice(0, 2).join(' '),
      fingerprint: expect.stringMatching(/^SHA256:/),
      md5_fingerprint: expect.any(String),
      created_at: expect.any(String),
    });
    expect((await server.api('POST', '/api/v2/slipway/me/ssh-keys', { key: admin.public })).body.message).toMatch(/registered already/);
    expect((await server.api('POST', '/api/v2/slipway/me/ssh-keys', { key: admin.private })).body.message).toMatch(/public key/);
    expect((await server.api('POST', '/api/v2/slipway/me/ssh-keys', { key: 'ssh-ed25519 bm90IGEga2V5' })).body.message).toMatch(
      /not a valid ssh-ed25519 public key/,
    );
    const other = await server.api('POST', '/api/v2/slipway/me/ssh-keys', { key: stranger.public });
    expect((await server.api('GET', '/api/v2/slipway/me/ssh-keys')).body.items.map((k: any) => k.title)).toEqual(['laptop', 'test@e2e']);
    expect((await server.api('DELETE', `/api/v2/slipway/me/ssh-keys/${encodeURIComponent(other.body.fingerprint)}`)).body).toEqual({ message: 'OK' });
    expect((await server.api('DELETE', `/api/v2/slipway/me/ssh-keys/${encodeURIComponent(other.body.fingerprint)}`)).status).toBe(404);
  });

  it('reruns the failed job with an SSH server: a registered writer gets a shell in the job, others are refused, and the job ends when idle', async () => {
    // A viewer registers a key too: read access is not enough to connect.
    const user = await server.api('POST', '/api/v2/slipway/users', { login: 'reader' });
    await server.api('PUT', `/api/v2/slipway/users/${user.body.id}/roles`, { organization: 'gh/acme', role: 'viewer' });
    const readerToken = (await server.api('POST', `/api/v2/slipway/users/${user.body.id}/tokens`, { label: 'e2e' })).body.token;
    expect((await server.api('POST', '/api/v2/slipway/me/ssh-keys', { key: viewer.public }, readerToken)).status).toBe(201);
    expect((await api('POST', `/api/v2/workflow/${failed.workflowId}/rerun`, { jobs: [failed.jobId], enable_ssh: true }, readerToken)).status).toBe(403);

    const rerun = await api('POST', `/api/v2/workflow/${failed.workflowId}/rerun`, { jobs: [failed.jobId], enable_ssh: true });
    expect(rerun.status).toBe(202);
    const jobNumber = await poll(
      async () => (await api('GET', `/api/v2/workflow/${rerun.body.workflow_id}/job`)).body.items[0]?.job_number,
      'the rerun job to get a number',
    );
    const port = await poll(async () => {
      const m = /\$ ssh -p (\d+) (\S+)/.exec(await jobOutput(server, SLUG, jobNumber).catch(() => ''));
      return m ? Number(m[1]) : undefined;
    }, 'the job to say how to connect');

    // `slipway ssh` asks the API for the way in (here: the command in the output); the ask is an audit event.
    const access = await server.api('GET', `/api/v2/slipway/project/${SLUG}/job/${jobNumber}/ssh`);
    expect(access.body).toEqual({ tasks: [{ index: 0, method: 'ssh', message: expect.stringMatching(/Enable SSH/) }] });
    expect((await server.api('GET', `/api/v2/slipway/project/${SLUG}/job/${jobNumber}/ssh`, undefined, readerToken)).status).toBe(403);

    const { out, code } = await sshExec(
      port,
      admin.private,
      'pwd; cat checked-out.txt; echo "$GREETING $PROJECT_SECRET $CIRCLE_JOB"; printf "token %s\\n" "$CIRCLE_OIDC_TOKEN"',
    );
    expect(code).toBe(0);
    expect(out).toMatch(/\/project\n/);
    expect(out).toContain('from the repository\n');
    expect(out).toContain('hello-from-the-job project-secret-value build\n');
    expect(decodeJwt(/^token (\S+)$/m.exec(out)![1])['oidc.circleci.com/ssh-rerun']).toBe(true);
    expect((await sshExec(port, admin.private, 'exit 3')).code).toBe(3);

    await expect(sshExec(port, viewer.private, 'true')).rejects.toThrow(/authentication methods failed/);
    await expect(sshExec(port, stranger.private, 'true')).rejects.toThrow(/authentication methods failed/);

    // Nobody connected: the job ends after the idle timeout, failed as its steps were.
    await poll(
      async () => (TERMINAL_WORKFLOW.includes((await api('GET', `/api/v2/workflow/${rerun.body.workflow_id}`)).body.status) ? true : undefined),
      'the rerun to end',
    );
    expect((await jobsOf(server, rerun.body.workflow_id)).build.status).toBe('failed');
    const output = await jobOutput(server, SLUG, jobNumber);
    expect(output).toContain('SSH: admin connected from 127.0.0.1.');
    expect(output).toContain('not registered by a user with write access');
    expect(output).toContain('No SSH session for the idle timeout: ending the job.');

    // Every session, and every refused key, is an audit event.
    const audit = await (await fetch(`${server.url}/api/v2/slipway/audit?format=jsonl`, { headers: { 'Circle-Token': server.token } })).text();
    if (!audit.includes('"ssh.session_opened"')) throw new Error(`audit: ${audit}\n${server.output().slice(-3000)}`);
    const events = audit
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((e) => String(e.action).startsWith('ssh.'));
    const newJob = (await jobsOf(server, rerun.body.workflow_id)).build.id;
    expect(events.filter((e) => e.action === 'ssh.session_opened')).toHaveLength(2);
    expect(events.find((e) => e.action === 'ssh.session_opened')).toMatchObject({
      actor: { login: 'admin', type: 'user' },
      target: { type: 'job', id: newJob },
      request: { ip: '127.0.0.1' },
      outcome: 'success',
      metadata: { project: SLUG, job_name: 'build' },
    });
    expect(events.filter((e) => e.action === 'ssh.session_closed')).toHaveLength(2);
    expect(events.filter((e) => e.action === 'ssh.session_refused' && e.outcome === 'failure').length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e.action === 'ssh.access_requested')).toEqual([
      expect.objectContaining({
        actor: expect.objectContaining({ login: 'admin' }),
        target: { type: 'job', id: newJob },
        metadata: expect.objectContaining({ methods: 'ssh', job_name: 'build' }),
      }),
    ]);
  });

  it('refuses enable_ssh without jobs, and when the project disables SSH', async () => {
    expect((await api('POST', `/api/v2/workflow/${failed.workflowId}/rerun`, { enable_ssh: true, from_failed: true })).body.message).toMatch(
      /enable_ssh needs the jobs parameter/,
    );
    expect((await api('PATCH', `/api/v2/project/${SLUG}/settings`, { advanced: { disable_ssh: true } })).status).toBe(200);
    const refused = await api('POST', `/api/v2/workflow/${failed.workflowId}/rerun`, { jobs: [failed.jobId], enable_ssh: true });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/Rerun with SSH is disabled for project gh\/acme\/ssh-rerun \(its disable_ssh setting\)/);
    const number = (await api('GET', `/api/v2/workflow/${failed.workflowId}/job`)).body.items[0].job_number;
    const v1 = await server.api('POST', `/api/v1.1/project/gh/acme/ssh-rerun/${number}/ssh`);
    expect(v1).toEqual({ status: 400, body: { message: refused.body.message } });
  });
});
