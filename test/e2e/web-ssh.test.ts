import { existsSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { utils } from 'ssh2';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { jobOutput, workflowOf } from './control-plane-support';
import { CHROMIUM, buildWebIfStale, launchChromium, screenshot, uiProblems } from './web-browser';

const SLUG = 'gh/acme/web-ssh';
const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: exit 1
workflows:
  main: { jobs: [build] }
`;

const describeUi = existsSync(CHROMIUM) ? describe : describe.skip;

describeUi('web UI: SSH keys and "Rerun job with SSH" (Chromium against slipway dev)', () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let problems: () => string[];
  let failed: { workflowId: string; jobNumber: number; pipelineNumber: number };

  beforeAll(async () => {
    const [, started] = await Promise.all([buildWebIfStale(), startDevServer({ env: { SLIPWAY_SSH_IDLE_SECONDS: '1' } })]);
    server = started;
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: createTestRepo({ '.circleci/config.yml': CONFIG }).url })).status).toBe(201);
    const trigger = await server.api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' });
    const { workflow, jobs } = await workflowOf(server, trigger.body.id);
    failed = { workflowId: workflow.id, jobNumber: jobs.build.job_number, pipelineNumber: trigger.body.number };
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    problems = uiProblems(page);
    await page.goto(`${server.url}/signin`);
    await page.evaluate((t) => (globalThis as any).localStorage.setItem('slipway.token', t), server.token);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('registers and deletes an SSH public key from the user menu, showing refusals', async () => {
    const key = utils.generateKeyPairSync('ed25519', { comment: 'me@laptop' });
    await page.goto(`${server.url}/`);
    await page.getByRole('link', { name: 'SSH keys' }).click();
    await page.getByRole('heading', { name: 'SSH keys' }).waitFor();
    await page.fill('textarea[name="key"]', key.private);
    await page.getByRole('button', { name: 'Add SSH key' }).click();
    await page.getByRole('alert').filter({ hasText: 'never a private key' }).waitFor();
    await page.fill('textarea[name="key"]', key.public);
    await page.fill('input[name="title"]', 'laptop');
    await page.getByRole('button', { name: 'Add SSH key' }).click();
    const row = page.getByRole('region', { name: 'SSH keys' }).locator('tr', { hasText: 'laptop' });
    await row.waitFor();
    const listed = (await server.api('GET', '/api/v2/slipway/me/ssh-keys')).body.items;
    expect(listed).toEqual([expect.objectContaining({ title: 'laptop', fingerprint: await row.locator('.mono').textContent() })]);
    await screenshot(page, 'ssh-keys');
    await row.getByRole('button', { name: /^Delete laptop/ }).click();
    await row.waitFor({ state: 'detached' });
    expect((await server.api('GET', '/api/v2/slipway/me/ssh-keys')).body.items).toEqual([]);
    expect(problems()).toEqual([]);
  });

  it('reruns a failed job with SSH from its page and lands on the new workflow, whose job says how to connect', async () => {
    await page.goto(`${server.url}/pipelines/${SLUG}/${failed.pipelineNumber}/workflows/${failed.workflowId}/jobs/${failed.jobNumber}`);
    await page.getByRole('button', { name: 'Rerun job with SSH' }).click();
    await page.waitForURL((url) => /\/workflows\/[0-9a-f-]{36}$/.test(url.pathname) && !url.pathname.endsWith(failed.workflowId));
    const rerunId = page.url().split('/').pop()!;
    const job = await waitFor(async () => (await server.api('GET', `/api/v2/workflow/${rerunId}/job`)).body.items[0]?.job_number, 'the rerun job');
    const output = await waitFor(async () => {
      const text = await jobOutput(server, SLUG, job).catch(() => '');
      return /\$ ssh -p \d+ 127\.0\.0\.1/.test(text) ? text : undefined;
    }, 'the SSH instructions in the job output');
    expect(output).toContain('No user with write access has registered an SSH key yet');
    await screenshot(page, 'rerun-with-ssh');
    expect(problems()).toEqual([]);
  });
});
