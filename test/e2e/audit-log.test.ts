import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { CLIENT_SECRET, FakeGitHubOAuth, oauthEnv, signInThroughGitHub } from '../support/fake-github-oauth';
import { workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

const CONFIG = `version: 2.1
parameters:
  scenario: { type: string, default: approval }
jobs:
  step:
    docker: [{ image: cimg/base:stable }]
    parameters:
      cmd: { type: string, default: "true" }
    steps: [{ run: << parameters.cmd >> }]
workflows:
  approval:
    when: { equal: [approval, << pipeline.parameters.scenario >>] }
    jobs:
      - hold: { type: approval }
      - step: { name: deploy, requires: [hold] }
  slow:
    when: { equal: [slow, << pipeline.parameters.scenario >>] }
    jobs:
      - step: { name: long, cmd: "sleep 60" }
`;
const SECRET_VALUE = 'audit-s3cr3t-value-7731';

describe('audit log (slipway dev, scripted session)', () => {
  let server: DevServer;
  const slug = 'gh/acme/audited';
  const github = new FakeGitHubOAuth();

  beforeAll(async () => {
    await github.start();
    server = await startDevServer({ env: oauthEnv(github) });
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: createTestRepo({ '.circleci/config.yml': CONFIG }).url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    github.server.close();
  });

  it('exports each action of a session once, with actor and target, and no secret value', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const signIn = await signInThroughGitHub(server.url);
    expect(signIn.status).toBe(302);
    expect((await server.api('GET', '/api/v2/me', undefined, signIn.token)).body.login).toBe('octo-dev');
    const alice = await server.api('POST', '/api/v2/slipway/users', { login: 'alice' });
    const token = await server.api('POST', `/api/v2/slipway/users/${alice.body.id}/tokens`, { label: 'laptop' });
    expect((await server.api('POST', `/api/v2/project/${slug}/envvar`, { name: 'DEPLOY_KEY', value: SECRET_VALUE })).status).toBe(201);
    const held = await workflowOf(
      server,
      (await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' })).body.id,
      (wf) => wf.status === 'on_hold',
      'on hold',
    );
    expect((await server.api('POST', `/api/v2/workflow/${held.workflow.id}/approve/${held.jobs.hold.approval_request_id}`)).status).toBe(202);
    const slow = await workflowOf(
      server,
      (await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main', parameters: { scenario: 'slow' } })).body.id,
      (_wf, jobs) => jobs.long?.status === 'running',
      'running',
    );
    expect((await server.api('POST', `/api/v2/workflow/${slow.workflow.id}/cancel`)).status).toBe(202);
    const tokens = await server.api('GET', `/api/v2/slipway/users/${alice.body.id}/tokens`);
    expect((await server.api('DELETE', `/api/v2/slipway/users/${alice.body.id}/tokens/${tokens.body.items[0].id}`)).status).toBeLessThan(300);
    expect((await server.api('GET', '/api/v2/me', undefined, token.body.token)).status).toBe(401);

    const to = new Date(Date.now() + 1000).toISOString();
    const jsonl = await (await fetch(`${server.url}/api/v2/slipway/audit?from=${from}&to=${to}`, { headers: { 'Circle-Token': server.token } })).text();
    const events = jsonl
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const actions = events.map((e) => e.action);
    for (const a of [
      'user.signed_in',
      'user.created',
      'token.created',
      'envvar.created',
      'workflow.approved',
      'workflow.canceled',
      'token.revoked',
      'authentication.failed',
    ]) {
      expect(actions.filter((x) => x === a)).toHaveLength(1);
    }
    const byAction = Object.fromEntries(events.map((e) => [e.action, e]));
    const octo = (await server.api('GET', '/api/v2/me', undefined, signIn.token)).body;
    expect(byAction['user.signed_in']).toMatchObject({
      actor: { id: octo.id, login: 'octo-dev', type: 'user' },
      target: { type: 'user', id: octo.id },
      outcome: 'success',
      metadata: { method: 'github' },
    });
    expect(byAction['user.signed_in'].request.ip).toEqual(expect.any(String));
    expect(byAction['envvar.created']).toMatchObject({
      actor: { login: 'admin', type: 'user' },
      target: { type: 'project', id: slug },
      outcome: 'success',
      metadata: { name: 'DEPLOY_KEY' },
    });
    expect(byAction['workflow.canceled'].target).toEqual({ type: 'workflow', id: slow.workflow.id });
    expect(byAction['token.created']).toMatchObject({ target: { type: 'user', id: alice.body.id }, metadata: { label: 'laptop' } });
    expect(byAction['authentication.failed']).toMatchObject({ actor: { type: 'anonymous' }, outcome: 'failure', request: { ip: expect.any(String) } });
    for (const e of events) expect(Object.keys(e).sort()).toEqual(['action', 'actor', 'id', 'metadata', 'occurred_at', 'outcome', 'request', 'target']);
    expect(jsonl).not.toContain(SECRET_VALUE);
    expect(jsonl).not.toContain(token.body.token);
    expect(jsonl).not.toContain(signIn.token);
    expect(jsonl).not.toContain(CLIENT_SECRET);
    expect(jsonl).not.toMatch(/ghu_[0-9a-f]/);

    const csv = await promisify(execFile)(
      process.execPath,
      [join(__dirname, '..', '..', 'bin', 'slipway.js'), 'admin', 'audit', '--from', from, '--to', to, '--format', 'csv'],
      {
        env: { ...process.env, SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.token },
      },
    );
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('id,occurred_at,actor_id,actor_login,actor_type,action,target_type,target_id,request_id,ip,user_agent,outcome,metadata');
    expect(lines.filter((l) => l.includes(',workflow.approved,'))).toHaveLength(1);
    expect(csv.stdout).not.toContain(SECRET_VALUE);

    expect((await server.api('GET', '/api/v2/slipway/audit', undefined, null)).status).toBe(401);
  });
});
