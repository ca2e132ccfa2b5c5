import { deliver, examplePayload } from '../support/fake-github';
import { waitFor } from '../support/dev-server';
import { createLedger, expectIntact, fanOutConfig, settle, startHarness, type Harness } from './support';

const SECRET = 'reliability-webhook-secret';
const SLUG = 'gh/Codertocat/Hello-World';

describe('reliability: every webhook delivered 5 times (and every queue message twice)', () => {
  let h: Harness;
  const ledger = createLedger();
  beforeAll(async () => {
    h = await startHarness({ SLIPWAY_GITHUB_WEBHOOK_SECRET: SECRET, SLIPWAY_QUEUE_FAULTS: 'duplicate' }, fanOutConfig(2, ledger.file), SLUG);
  }, 90_000);
  afterAll(async () => h?.server.stop());

  it('creates one pipeline per push however often GitHub redelivers it, and runs each job once', async () => {
    const template = examplePayload('push', (x) => x.ref === 'refs/heads/master' && !x.deleted);
    const pushes = [1, 2].map((i) => {
      const sha = h.repo.commit({ [`file-${i}.txt`]: String(i) }, `change ${i}`);
      return {
        id: `delivery-${i}-${sha.slice(0, 8)}`,
        payload: { ...template, ref: 'refs/heads/main', after: sha, head_commit: { ...template.head_commit, id: sha, message: `change ${i}` } },
      };
    });
    // Five deliveries of each push, all at once (GitHub retries; a proxy may replay).
    const replies = await Promise.all(
      pushes.flatMap((p) => Array.from({ length: 5 }, () => deliver(h.server.url, 'push', p.payload, { secret: SECRET, id: p.id }))),
    );
    expect(replies.every((r) => r.status >= 200 && r.status < 300)).toBe(true);
    const triggered = await waitFor(async () => {
      const items = (await h.server.api('GET', `/api/v2/project/${SLUG}/pipeline`)).body.items;
      return items.length >= 2 ? items.map((p: any) => ({ id: p.id, number: p.number })) : undefined;
    }, 'pipelines from the pushes');
    const outcomes = await settle(h, triggered);
    await expectIntact(h, triggered, outcomes, { jobNames: ['start', 'fan-1', 'fan-2', 'end'], ledger: ledger.lines() });
  }, 150_000);

  it('refuses bad signatures with 401 and stays healthy', async () => {
    const ping = examplePayload('ping');
    expect((await deliver(h.server.url, 'ping', ping, { secret: 'wrong-secret' })).status).toBe(401);
    expect((await deliver(h.server.url, 'ping', ping, { secret: null })).status).toBe(401);
    expect((await deliver(h.server.url, 'ping', ping, { secret: null, signature: `sha256=${'0'.repeat(64)}` })).status).toBe(401);
    expect((await h.server.api('GET', '/healthz', undefined, null)).status).toBe(200);
  });
});
