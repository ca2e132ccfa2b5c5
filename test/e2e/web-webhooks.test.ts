import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { CHROMIUM, buildWebIfStale, launchChromium, screenshot, uiProblems } from './web-browser';

const SLUG = 'gh/acme/web-hooks';
const describeUi = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`web UI tests skipped: ${CHROMIUM} not found (install it with \`apt-get install -y chromium\`).`);

describeUi('web UI webhooks panel (Chromium against slipway dev)', () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let problems: () => string[];
  let receiver: Server;
  let receiverUrl: string;
  const pings: any[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let raw = '';
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        pings.push({ type: req.headers['circleci-event-type'], signature: req.headers['circleci-signature'], body: JSON.parse(raw) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ui-hook`;
    const [, started] = await Promise.all([buildWebIfStale(), startDevServer()]);
    server = started;
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: createTestRepo({ 'README.md': 'x' }).url })).status).toBe(201);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    problems = uiProblems(page);
    await page.goto(`${server.url}/signin`);
    await page.fill('input[name="token"]', server.token);
    await page.click('button[type="submit"]');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((r) => receiver?.close(r));
  });

  it('creates a webhook, sends a test event, shows the delivery, edits and deletes it', async () => {
    await page.goto(`${server.url}/settings/project/${SLUG}`);
    const panel = page.getByRole('region', { name: 'Webhooks' });
    await panel.getByText('No outbound webhooks.').waitFor();

    const add = panel.getByRole('form', { name: 'Add webhook' });
    await add.getByLabel('Webhook name').fill('metadata');
    await add.getByLabel('Receiver URL').fill('http://169.254.169.254/latest');
    await add.getByRole('button', { name: 'Add webhook' }).click();
    await panel.getByText(/linkLocal address/).waitFor();

    await add.getByLabel('Receiver URL').fill(receiverUrl);
    await add.getByLabel('Webhook name').fill('ui-hook');
    await add.getByLabel('Secret token').fill('ui-secret-value-abcdefgh');
    await add.getByRole('button', { name: 'Add webhook' }).click();
    const item = panel.locator('[data-webhook="ui-hook"]');
    await item.getByText('secret ****efgh').waitFor();
    expect(await page.content()).not.toContain('ui-secret-value');

    await item.getByRole('button', { name: 'Send test event' }).click();
    await item.locator('[data-delivery="ping"]', { hasText: '204' }).waitFor();
    expect(pings).toEqual([
      expect.objectContaining({
        type: 'ping',
        signature: expect.stringMatching(/^v1=[0-9a-f]{64}$/),
        body: expect.objectContaining({ type: 'ping', webhook: expect.objectContaining({ name: 'ui-hook' }) }),
      }),
    ]);
    await screenshot(page, 'settings-webhooks');

    await item.getByRole('button', { name: 'Edit' }).click();
    const edit = panel.getByRole('form', { name: 'Edit webhook ui-hook' });
    await edit.getByLabel('Webhook name').fill('ui-hook-renamed');
    await edit.getByLabel('job-completed').uncheck();
    await edit.getByRole('button', { name: 'Save webhook' }).click();
    const renamed = panel.locator('[data-webhook="ui-hook-renamed"]');
    await renamed.getByText('workflow-completed · TLS verified · secret ****efgh').waitFor();

    await renamed.getByRole('button', { name: 'Delete ui-hook-renamed' }).click();
    await panel.getByText('No outbound webhooks.').waitFor();
    expect(problems()).toEqual([]);
  });
});
