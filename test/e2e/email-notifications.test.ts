import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { startSmtpSink, subjectOf } from '../support/smtp-sink';
import { poll, workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

const CONFIG = `version: 2.1
parameters:
  code: { type: integer, default: 0 }
jobs:
  test:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: { name: Unit tests, command: "exit << pipeline.parameters.code >>" }
workflows:
  build:
    jobs: [test]
`;

describe('email notifications (slipway dev, SMTP)', () => {
  let server: DevServer;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  const slug = 'gh/acme/mailed';

  beforeAll(async () => {
    smtp = await startSmtpSink();
    server = await startDevServer({ env: { SLIPWAY_SMTP_URL: smtp.url, SLIPWAY_EMAIL_FROM: 'ci@slipway.test' } });
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: createTestRepo({ '.circleci/config.yml': CONFIG }).url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    await smtp?.stop();
  });

  it('emails the actor and the committer that a branch failed, then that it is fixed', async () => {
    // The actor (the admin who triggers) and the committer (test repositories commit as test@localhost).
    expect((await server.api('PUT', '/api/v2/slipway/me/notifications', { email: 'admin@slipway.test', email_notifications: 'failed_and_fixed' })).status).toBe(
      200,
    );
    const dev = await server.api('POST', '/api/v2/slipway/users', { login: 'dev' });
    const devToken = (await server.api('POST', `/api/v2/slipway/users/${dev.body.id}/tokens`, { label: 'mail' })).body.token;
    expect((await server.api('PUT', '/api/v2/slipway/me/notifications', { email: 'test@localhost' }, devToken)).body).toEqual({
      email: 'test@localhost',
      email_notifications: 'failed_and_fixed',
    });
    expect((await server.api('GET', `/api/v2/project/${slug}/notifications`)).body).toEqual({ email_notifications: 'failed_and_fixed' });
    expect((await server.api('PUT', '/api/v2/slipway/me/notifications', { email: 'not an address' })).status).toBe(400);

    const run = async (code: number) => {
      const res = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main', parameters: { code } });
      return (await workflowOf(server, res.body.id)).workflow;
    };
    expect((await run(1)).status).toBe('failed');
    const failed = await poll(async () => smtp.mails[0], 'the failed email');
    expect(failed.to).toEqual(['admin@slipway.test', 'test@localhost']);
    expect(failed.from).toBe('ci@slipway.test');
    expect(subjectOf(failed.raw)).toMatch(/^Failed: gh\/acme\/mailed main #1 \(build\)$/);
    expect(failed.decoded).toContain('first failing step: Unit tests');
    expect(failed.decoded).toContain('first failing step: <code>Unit tests</code>');
    expect(failed.raw).toContain('Content-Type: text/html');
    expect(failed.decoded).toContain(`${server.url}/pipelines/gh/acme/mailed/1/workflows/`);

    expect((await run(0)).status).toBe('success');
    const fixed = await poll(async () => smtp.mails[1], 'the fixed email');
    expect(fixed.to).toEqual(['admin@slipway.test', 'test@localhost']);
    expect(subjectOf(fixed.raw)).toMatch(/^Fixed: gh\/acme\/mailed main #2 \(build\)$/);
    expect(smtp.mails).toHaveLength(2);
  });
});
