import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { poll, workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

const CONFIG = `version: 2.1
jobs:
  fails: { docker: [{ image: cimg/base:stable }], steps: [{ run: "echo failing on purpose; exit 1" }] }
  passes: { docker: [{ image: cimg/base:stable }], steps: [{ run: "true" }] }
workflows:
  build:
    jobs: [fails, passes]
`;
const SECRET = 'e2e-webhook-signing-secret';

describe('outbound webhooks (slipway dev, every notify message delivered twice)', () => {
  let server: DevServer;
  let api: DevServer['api'];
  let receiver: Server;
  let receiverUrl: string;
  const received: Array<{ type: string; body: any; verified: boolean }> = [];
  const slug = 'gh/acme/hooked';

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        const expected = Buffer.from(`v1=${createHmac('sha256', SECRET).update(raw).digest('hex')}`);
        const got = Buffer.from(String(req.headers['circleci-signature'] ?? ''));
        received.push({
          type: String(req.headers['circleci-event-type']),
          body: JSON.parse(raw),
          verified: got.length === expected.length && timingSafeEqual(got, expected),
        });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    server = await startDevServer({ env: { SLIPWAY_QUEUE_FAULTS: 'duplicate' } });
    api = checkedApi(server);
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: createTestRepo({ '.circleci/config.yml': CONFIG }).url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await server?.stop();
    await new Promise((r) => receiver?.close(r));
  });

  it('manages webhooks through the five API v2 operations, the secret never shown', async () => {
    const projectId = (await server.api('GET', `/api/v2/project/${slug}`)).body.id;
    const created = await api('POST', '/api/v2/webhook', {
      name: 'temp',
      events: ['job-completed'],
      url: receiverUrl,
      'verify-tls': false,
      'signing-secret': 'a-long-secret-value-1234',
      scope: { id: projectId, type: 'project' },
    });
    expect(created.status).toBe(201);
    expect(created.body['signing-secret']).toBe('****1234');
    const id = created.body.id;
    expect((await api('GET', `/api/v2/webhook/${id}`)).body.name).toBe('temp');
    const updated = await api('PUT', `/api/v2/webhook/${id}`, { name: 'renamed', events: ['workflow-completed', 'job-completed'] });
    expect(updated.body).toMatchObject({ name: 'renamed', events: ['workflow-completed', 'job-completed'], 'verify-tls': false });
    const list = await api('GET', `/api/v2/webhook?scope-id=${projectId}&scope-type=project`);
    expect(list.body.items.map((w: any) => w.id)).toEqual([id]);
    expect(JSON.stringify(list.body)).not.toContain('a-long-secret-value');
    expect((await api('DELETE', `/api/v2/webhook/${id}`)).body.message).toEqual(expect.any(String));
    expect((await api('GET', `/api/v2/webhook/${id}`)).status).toBe(404);
  });

  it('refuses a webhook pointing to a private address with a clear 400', async () => {
    const projectId = (await server.api('GET', `/api/v2/project/${slug}`)).body.id;
    const res = await api('POST', '/api/v2/webhook', {
      name: 'metadata',
      events: ['job-completed'],
      url: 'http://169.254.169.254/latest/meta-data',
      'verify-tls': true,
      'signing-secret': 's',
      scope: { id: projectId, type: 'project' },
    });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/169\.254\.169\.254 is a linkLocal address.*public addresses/);
  });

  it('sends one signed job-completed per job and one workflow-completed, each once, and logs the deliveries', async () => {
    const projectId = (await server.api('GET', `/api/v2/project/${slug}`)).body.id;
    const hook = await api('POST', '/api/v2/webhook', {
      name: 'ci',
      events: ['workflow-completed', 'job-completed'],
      url: receiverUrl,
      'verify-tls': true,
      'signing-secret': SECRET,
      scope: { id: projectId, type: 'project' },
    });
    expect(hook.status).toBe(201);
    const pipeline = await api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const { workflow } = await workflowOf(server, pipeline.body.id);
    expect(workflow.status).toBe('failed');
    await poll(async () => (received.filter((r) => r.body.workflow?.id === workflow.id).length >= 3 ? true : undefined), 'three webhook deliveries');
    // The fault hands both copies of a notify message to the consumer at once, so both are done by now.
    const log = await poll(async () => {
      const res = await server.api('GET', `/api/v2/webhook/${hook.body.id}/deliveries`);
      return res.body.items.length >= 3 ? res.body.items : undefined;
    }, 'the delivery log');
    const events = received.filter((r) => r.body.workflow?.id === workflow.id);
    expect(events.every((e) => e.verified)).toBe(true);
    expect(events.map((e) => `${e.type} ${e.body.job?.name ?? e.body.workflow.status}`).sort()).toEqual([
      'job-completed fails',
      'job-completed passes',
      'workflow-completed failed',
    ]);
    expect(log).toHaveLength(3);
    expect(log.every((a: any) => a.status === 200 && a.attempt === 1)).toBe(true);
  });
});
