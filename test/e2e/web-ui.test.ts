import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Locator, Page } from 'playwright-core';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { formatDuration } from '../../web/src/lib/format';
import { CHROMIUM, ROOT, buildWebIfStale, launchChromium, screenshot, uiProblems } from './web-browser';

const SLUG = 'gh/acme/web-ui';
const JUNIT = `<?xml version="1.0"?>
<testsuite name="unit" tests="2" failures="1">
  <testcase classname="cart" name="adds an item" time="0.012"/>
  <testcase classname="cart" name="applies a coupon" time="0.034"><failure message="expected 90 to equal 80">AssertionError: expected 90 to equal 80</failure></testcase>
</testsuite>
`;
const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    parallelism: 2
    steps:
      - checkout
      - run:
          name: Colourful output
          command: printf '\\033[32mgreen on task %s\\033[0m\\nplain line\\n' "$CIRCLE_NODE_INDEX"
      - run: mkdir -p out/junit && cp junit.xml out/junit/ && echo report > out/report.txt
      - store_test_results: { path: out/junit }
      - store_artifacts: { path: out/report.txt, destination: report.txt }
  slow:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run:
          name: Print slowly
          command: for i in $(seq 1 15); do echo "tick $i"; sleep 1; done
  deploy:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo "deployed"
workflows:
  ship:
    jobs:
      - build
      - slow
      - hold:
          type: approval
          requires: [build]
      - deploy:
          requires: [hold]
`;

const describeUi = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`web UI tests skipped: ${CHROMIUM} not found (install it with \`apt-get install -y chromium\`).`);

/** Reads the API the way the page should: an endpoint this server lacks must show as "not available". */
async function apiOrUnavailable(server: DevServer, path: string): Promise<{ unavailable: true } | { unavailable: false; body: any }> {
  const res = await server.api('GET', path);
  if (res.status === 404 && /^No route for /.test(res.body?.message ?? '')) return { unavailable: true };
  expect(res.status).toBe(200);
  return { unavailable: false, body: res.body };
}

/** The text of each rendered log line (without its line number). */
const logLines = (scope: Locator) => scope.locator('.log .ln > span:last-child').allTextContents();

async function expectUnavailable(page: Page, apiPath: string) {
  await page
    .locator('[data-state="unavailable"]', { hasText: apiPath.split('?')[0] })
    .first()
    .waitFor();
}

describe('web UI bundle', () => {
  beforeAll(() => buildWebIfStale(), 90_000);

  it('keeps the initial JavaScript under 300 KB gzipped', () => {
    const dist = join(ROOT, 'web', 'dist');
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce((sum, src) => sum + gzipSync(readFileSync(join(dist, src))).length, 0);
    expect(gzipped).toBeLessThanOrEqual(300 * 1024);
  });
});

describeUi('web UI (Chromium against slipway dev)', () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;
  let problems: () => string[];
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'junit.xml': JUNIT, 'README.md': 'web ui' });
  const jobs = async (workflowId: string) => (await server.api('GET', `/api/v2/workflow/${workflowId}/job`)).body.items as any[];
  let pipeline: { id: string; number: number };
  let workflowId: string;

  beforeAll(async () => {
    const [, started] = await Promise.all([buildWebIfStale(), startDevServer()]);
    server = started;
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url })).status).toBe(201);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    problems = uiProblems(page);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('signs in with the API token and lists projects honestly', async () => {
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/signin\?next=/);
    await page.fill('input[name="token"]', 'not-the-token');
    await page.click('button[type="submit"]');
    await page.getByRole('alert').filter({ hasText: 'not accepted' }).waitFor();
    // This server has no GitHub OAuth client: the page offers API tokens only (web-oauth.test.ts covers GitHub).
    expect((await server.api('GET', '/api/v2/slipway/auth-methods', undefined, null)).body).toEqual({ api_token: true, github: null });
    expect(await page.getByRole('link', { name: 'Sign in with GitHub' }).count()).toBe(0);
    await page.fill('input[name="token"]', server.token);
    await screenshot(page, 'sign-in');
    await page.click('button[type="submit"]');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('slipway.token'))).toBe(server.token);
    const orgs = await apiOrUnavailable(server, '/api/v2/me/collaborations');
    if (orgs.unavailable) await expectUnavailable(page, '/api/v2/me/collaborations');
    else {
      for (const o of orgs.body) await page.getByRole('heading', { name: o.name }).waitFor();
      // Listed from GET /api/v2/slipway/projects before it ever ran a pipeline.
      await page.locator(`[data-project="${SLUG}"]`, { hasText: 'no pipelines yet' }).getByRole('link', { name: 'acme/web-ui', exact: true }).waitFor();
    }
  });

  it('shows the project pipelines, newest first, with status, branch, trigger and commit', async () => {
    const trigger = await server.api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' });
    expect(trigger.status).toBe(201);
    pipeline = trigger.body;
    await page.goto(`${server.url}/pipelines/${SLUG}`);
    const row = page.locator(`[data-number="${pipeline.number}"]`);
    await row.waitFor();
    const sha = repo.git('rev-parse', 'HEAD').slice(0, 7);
    await waitFor(async () => {
      const text = (await row.textContent()) ?? '';
      return text.includes('main') && text.includes(sha) && text.includes('api') && text.includes('ship') ? text : undefined;
    }, 'the pipeline row to show branch, commit, trigger and workflow');
    await row.locator('[data-status="running"], [data-status="on_hold"]').first().waitFor();
    await screenshot(page, 'pipelines');
    await page.getByRole('link', { name: 'Projects' }).first().click();
    await page.getByRole('region', { name: 'Recently opened' }).getByRole('link', { name: SLUG, exact: true }).waitFor();
    await page.getByRole('region', { name: 'acme' }).getByRole('link', { name: 'acme/web-ui', exact: true }).waitFor();
    if (!(await apiOrUnavailable(server, '/api/v2/pipeline?org-slug=gh/acme')).unavailable) {
      await page.locator(`[data-project="${SLUG}"]`, { hasText: /last pipeline/ }).waitFor();
    }
    await screenshot(page, 'projects');
    await page.goBack();
    await row.waitFor();
  });

  it('tails the output of a running step, with ANSI colours', async () => {
    await page.locator(`[data-number="${pipeline.number}"]`).click();
    await page.getByRole('heading', { name: `Pipeline #${pipeline.number}` }).waitFor();
    await page.locator('[data-workflow="ship"]').waitFor();
    const slowNode = page.locator('.node[data-job="slow"] a');
    await slowNode.waitFor();
    await slowNode.click();
    await page.getByRole('heading', { name: 'slow' }).waitFor();
    const step = page.locator('.step[data-step="Print slowly"]');
    // The page itself must show the step as running together with some of its output.
    const seenRunning = await waitFor(
      async () => {
        const status = await step.getAttribute('data-status');
        const lines = await logLines(step);
        return status === 'running' && lines.includes('tick 1') ? lines : undefined;
      },
      'output of the running step',
      30_000,
    );
    expect(seenRunning).not.toContain('tick 15');
    await screenshot(page, 'job-running');
    // Without a reload, the rest arrives and the step finishes.
    await waitFor(
      async () => ((await logLines(step)).includes('tick 15') && (await step.getAttribute('data-status')) === 'success' ? true : undefined),
      'the last lines',
      30_000,
    );
    await page.getByRole('link', { name: `Pipeline #${pipeline.number}` }).click();
  }, 60_000);

  it('draws the workflow graph and approving the held job lets the workflow continue', async () => {
    const wf = (await server.api('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).body.items[0];
    workflowId = wf.id;
    for (const name of ['build', 'slow', 'hold', 'deploy']) await page.locator(`.node[data-job="${name}"]`).waitFor();
    const graph = page.locator('.graph path');
    expect(await graph.count()).toBe(2); // build → hold → deploy
    const approve = page.getByRole('button', { name: 'Approve hold' });
    await approve.waitFor({ timeout: 30_000 });
    const before = await jobs(workflowId);
    expect(before.find((j) => j.name === 'hold').status).toBe('on_hold');
    expect(before.find((j) => j.name === 'deploy').status).toBe('blocked');
    await approve.click();
    const after = await waitFor(
      async () => {
        const w = (await server.api('GET', `/api/v2/workflow/${workflowId}`)).body;
        return w.status === 'success' ? jobs(workflowId) : undefined;
      },
      'the workflow to succeed after the approval',
      40_000,
    );
    expect(after.find((j) => j.name === 'deploy').status).toBe('success');
    expect(after.find((j) => j.name === 'hold').approved_by).toBeTruthy();
    await page.locator('.node[data-job="deploy"][data-status="success"]').waitFor();
    await page.locator('[data-workflow="ship"] .badge[data-status="success"]').first().waitFor();
    await screenshot(page, 'pipeline', { docs: true });
  }, 60_000);

  it('shows a parallel job: task selector, per-task output, search, tests failures first, artifacts and timing', async () => {
    await page.locator('.node[data-job="build"] a').click();
    await page.getByRole('heading', { name: 'build' }).waitFor();
    const tasks = page.getByRole('group', { name: 'Parallel tasks' });
    await tasks.getByRole('button', { name: /Task 1/ }).click();
    await page.waitForURL(/task=1/);
    const colourful = page.locator('.step[data-step="Colourful output"]');
    const toggle = colourful.getByRole('button', { name: /Colourful output/ });
    expect(await toggle.getAttribute('aria-expanded')).toBe('false');
    await toggle.press('Enter');
    await colourful.getByText('green on task 1').waitFor();
    const colour = (text: string) => colourful.getByText(text).evaluate((el) => (globalThis as any).getComputedStyle(el).color);
    expect(await colour('green on task 1')).not.toBe(await colour('plain line'));
    await page.getByRole('searchbox', { name: 'Search output' }).fill('green on');
    await colourful.locator('mark', { hasText: 'green on' }).waitFor();
    expect(await colourful.getByText('plain line').count()).toBe(0);
    await page.getByRole('searchbox', { name: 'Search output' }).fill('');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download log' }).click()]);
    const log = readFileSync(await download.path(), 'utf8');
    expect(log).toContain('### Colourful output\ngreen on task 1\nplain line');
    expect(log).not.toContain('\x1b[');
    const [raw] = await Promise.all([page.waitForEvent('download'), colourful.getByRole('button', { name: 'Raw output' }).click()]);
    expect(readFileSync(await raw.path(), 'utf8')).toBe('\x1b[32mgreen on task 1\x1b[0m\nplain line\n');
    await screenshot(page, 'job', { docs: true });
    const background = () => page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.body).backgroundColor as string);
    const light = await background();
    await page.emulateMedia({ colorScheme: 'dark' });
    expect(await background()).not.toBe(light);
    await screenshot(page, 'job-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    const [, org, name] = SLUG.split('/');
    const build = (await jobs(workflowId)).find((j) => j.name === 'build');
    const tests = await apiOrUnavailable(server, `/api/v2/project/${SLUG}/${build.job_number}/tests`);
    await page.getByRole('tab', { name: 'Tests' }).click();
    if (tests.unavailable) await expectUnavailable(page, `/api/v2/project/${SLUG}/${build.job_number}/tests`);
    else {
      const failing = tests.body.items.filter((t: any) => t.result === 'failure' || t.result === 'failed');
      expect(failing.map((t: any) => t.name)).toContain('applies a coupon');
      const first = page.locator('tbody tr').first();
      await first.getByText('applies a coupon').waitFor();
      await first.getByText('expected 90 to equal 80').first().waitFor();
      await screenshot(page, 'job-tests');
    }
    const artifacts = await apiOrUnavailable(server, `/api/v2/project/${SLUG}/${build.job_number}/artifacts`);
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    if (artifacts.unavailable) await expectUnavailable(page, `/api/v2/project/${SLUG}/${build.job_number}/artifacts`);
    else {
      expect(artifacts.body.items.length).toBeGreaterThan(0);
      await page.getByRole('link', { name: 'report.txt' }).first().waitFor();
    }
    await page.getByRole('tab', { name: 'Timing' }).click();
    await page.getByRole('table', { name: 'Step timing' }).getByText('Task 1').waitFor();
    expect(await page.locator('.bar').count()).toBeGreaterThanOrEqual(8);
    expect((await server.api('GET', `/api/v1.1/project/github/${org}/${name}/${build.job_number}`)).body.parallel).toBe(2);
  }, 45_000);

  it('reruns the workflow from the UI and cancels the rerun', async () => {
    await page.goto(`${server.url}/pipelines/${SLUG}/${pipeline.number}`);
    await page.locator('[data-workflow="ship"]').first().getByRole('button', { name: 'Rerun from start' }).click();
    const rerun = await waitFor(async () => {
      const items = (await server.api('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).body.items as any[];
      return items.find((w) => w.id !== workflowId);
    }, 'the rerun workflow');
    await waitFor(async () => ((await page.locator('[data-workflow="ship"]').count()) === 2 ? true : undefined), 'two workflow panels');
    const panel = page.locator(`[data-workflow-id="${rerun.id}"]`);
    await panel.getByRole('button', { name: 'Cancel workflow' }).click();
    await waitFor(
      async () => ((await server.api('GET', `/api/v2/workflow/${rerun.id}`)).body.status === 'canceled' ? true : undefined),
      'the rerun to be canceled',
      30_000,
    );
    await panel.locator('.badge[data-status="canceled"]').first().waitFor();
    expect((await server.api('GET', `/api/v2/workflow/${workflowId}`)).body.status).toBe('success');
  }, 45_000);

  it('filters pipelines by branch and triggers a pipeline on that branch from the UI', async () => {
    repo.commit(
      {
        '.circleci/config.yml':
          'version: 2.1\njobs:\n  quick:\n    docker: [{ image: cimg/base:stable }]\n    steps: [{ run: echo quick }]\nworkflows:\n  feature:\n    jobs: [quick]\n',
      },
      'feature work',
      'feature',
    );
    await page.goto(`${server.url}/pipelines/${SLUG}`);
    await page.locator(`[data-number="${pipeline.number}"]`).waitFor();
    await page.getByRole('textbox', { name: 'Branch' }).fill('feature');
    await page.getByRole('textbox', { name: 'Branch' }).press('Enter');
    await page.waitForURL(/\?branch=feature$/);
    await page.getByText('No pipelines on feature.').waitFor();
    await page.getByRole('button', { name: 'Trigger pipeline on feature' }).click();
    const feature = await waitFor(async () => {
      const items = (await server.api('GET', `/api/v2/project/${SLUG}/pipeline?branch=feature`)).body.items as any[];
      return items.length === 1 ? items[0] : undefined;
    }, 'the pipeline triggered from the UI');
    expect(feature.trigger.type).toBe('api');
    const rows = page.locator('.vlist-row[data-number]');
    await page.locator(`[data-number="${feature.number}"]`, { hasText: 'feature' }).waitFor();
    expect(await rows.count()).toBe(1);
    await page.getByRole('button', { name: 'Clear' }).click();
    await waitFor(async () => ((await rows.count()) === 2 ? true : undefined), 'both pipelines');
    expect(await rows.evaluateAll((els) => els.map((e) => Number((e as any).dataset.number)))).toEqual([feature.number, pipeline.number]);
  });

  it('renders a project with 1,000 pipelines virtualised and keyboard-navigable', async () => {
    // Creating 1,000 real pipelines would take minutes: this page's API answers are served by the browser.
    const slug = 'gh/acme/many';
    const many = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    await many.addInitScript((token) => (globalThis as any).localStorage.setItem('slipway.token', token), server.token);
    const now = Date.now();
    const items = Array.from({ length: 1000 }, (_, i) => ({
      id: `p-${1000 - i}`,
      number: 1000 - i,
      project_slug: slug,
      state: 'created',
      created_at: new Date(now - i * 60_000).toISOString(),
      errors: [],
      trigger: { type: 'webhook', actor: { login: 'dev', avatar_url: null } },
      vcs: { revision: (1000 - i).toString(16).padStart(40, '0'), branch: 'main', commit: { subject: `change ${1000 - i}` } },
    }));
    await many.route(/\/api\/v2\/project\/gh\/acme\/many\/pipeline(\?.*)?$/, (r) => r.fulfill({ json: { items, next_page_token: null } }));
    await many.route(/\/api\/v2\/project\/gh\/acme\/many$/, (r) =>
      r.fulfill({
        json: {
          slug,
          name: 'many',
          id: 'x',
          organization_name: 'acme',
          organization_slug: 'gh/acme',
          organization_id: 'y',
          vcs_info: { vcs_url: 'file:///many', provider: 'GitHub', default_branch: 'main' },
        },
      }),
    );
    await many.route(/\/api\/v2\/pipeline\/p-\d+\/workflow$/, (r) =>
      r.fulfill({
        json: {
          items: [
            {
              id: 'w',
              name: 'build',
              status: 'success',
              pipeline_id: 'p',
              pipeline_number: 1,
              project_slug: slug,
              created_at: new Date(now - 90_000).toISOString(),
              stopped_at: new Date(now).toISOString(),
            },
          ],
          next_page_token: null,
        },
      }),
    );
    await many.goto(`${server.url}/pipelines/${slug}`);
    await many.waitForFunction(() => (globalThis as any).document.querySelector('[data-number="1000"]'));
    // How fast it renders is a bench figure, not a test assertion: here, that only a window of rows is rendered.
    expect(await many.locator('[role="list"]').getAttribute('data-count')).toBe('1000');
    const rendered = await many.locator('.vlist-row[data-number]').count();
    expect(rendered).toBeLessThan(40);
    await many.locator('[data-number="1000"]').focus();
    await many.keyboard.press('End');
    await many.waitForFunction(() => (globalThis as any).document.activeElement?.dataset.number === '1');
    await many.keyboard.press('ArrowUp');
    await many.waitForFunction(() => (globalThis as any).document.activeElement?.dataset.number === '2');
    expect(await many.locator('.vlist-row[data-number]').count()).toBeLessThan(40);
    await screenshot(many, 'pipelines-1000');
    await many.keyboard.press('Enter');
    await many.waitForURL(/\/pipelines\/gh\/acme\/many\/2$/);
    await many.close();
  });

  it('manages masked project environment variables and shows the other settings honestly', async () => {
    await page.goto(`${server.url}/settings/project/${SLUG}`);
    const form = page.getByRole('form', { name: 'Add environment variable' });
    await form.getByLabel('Name').fill('DEPLOY_KEY');
    await form.getByLabel('Value').fill('s3cr3t-value-9876');
    await form.getByRole('button', { name: 'Add variable' }).click();
    await page.locator('[data-envvar="DEPLOY_KEY"]', { hasText: 'xxxx9876' }).waitFor();
    expect(await page.content()).not.toContain('s3cr3t-value');
    const vars = await server.api('GET', `/api/v2/project/${SLUG}/envvar`);
    expect(vars.body.items).toEqual([expect.objectContaining({ name: 'DEPLOY_KEY', value: 'xxxx9876' })]);
    const project = (await server.api('GET', `/api/v2/project/${SLUG}`)).body;
    for (const [path, check] of [
      [`/api/v2/project/${SLUG}/schedule`, (b: any) => (b.items.length ? b.items[0].name : 'No scheduled pipelines.')],
      [`/api/v2/webhook?scope-id=${project.id}&scope-type=project`, (b: any) => (b.items.length ? b.items[0].name : 'No outbound webhooks.')],
      [`/api/v2/project/${SLUG}/settings`, () => 'Set GitHub commit statuses'],
    ] as const) {
      const res = await apiOrUnavailable(server, path);
      if (res.unavailable) await expectUnavailable(page, path);
      else await page.getByText(check(res.body)).first().waitFor();
    }
    await screenshot(page, 'settings');
  });

  it('shows contexts from their endpoints', async () => {
    await page.getByRole('link', { name: 'Contexts' }).click();
    await page.getByRole('heading', { name: 'Contexts' }).waitFor();
    const contextsPath = '/api/v2/context?owner-slug=gh%2Facme&owner-type=organization';
    const contexts = await apiOrUnavailable(server, contextsPath);
    if (contexts.unavailable) await expectUnavailable(page, '/api/v2/context');
    else {
      await page.getByRole('form', { name: 'Create context' }).getByLabel('Context name').fill('deploy-creds');
      await page.getByRole('button', { name: 'Create context' }).click();
      await page.getByRole('button', { name: 'deploy-creds' }).waitFor();
      const created = (await server.api('GET', contextsPath)).body.items.find((c: any) => c.name === 'deploy-creds');
      expect(created).toBeDefined();
      const vars = page.getByRole('region', { name: 'Context deploy-creds' });
      await vars.getByLabel('Name').fill('CLOUD_TOKEN');
      await vars.getByLabel('Value').fill('tok-123456');
      await vars.getByRole('button', { name: 'Add variable' }).click();
      await vars.getByRole('cell', { name: 'CLOUD_TOKEN' }).waitFor();
      const stored = await server.api('GET', `/api/v2/context/${created.id}/environment-variable`);
      expect(stored.body.items.map((v: any) => v.variable)).toEqual(['CLOUD_TOKEN']);
      expect(await page.content()).not.toContain('tok-123456');
    }
    await screenshot(page, 'contexts');
    expect(problems()).toEqual([]);
  });

  it('shows insights computed by the server from the runs above', async () => {
    // Wait for the feature pipeline's workflow to finish so every number below is final.
    const featurePipeline = (await server.api('GET', `/api/v2/project/${SLUG}/pipeline?branch=feature`)).body.items[0];
    await waitFor(
      async () => {
        const items = (await server.api('GET', `/api/v2/pipeline/${featurePipeline.id}/workflow`)).body.items as any[];
        return items.length === 1 && items[0].status === 'success' ? true : undefined;
      },
      'the feature workflow to succeed',
      30_000,
    );
    const insightsPath = `/api/v2/insights/${SLUG}/workflows?all-branches=true&reporting-window=last-90-days`;
    const summary = (await server.api('GET', insightsPath)).body.items as any[];
    // Real numbers: ship ran twice (the approved run succeeded, its rerun was canceled), feature once.
    expect(summary.map((w) => [w.name, w.metrics.total_runs, w.metrics.successful_runs, w.metrics.success_rate])).toEqual([
      ['feature', 1, 1, 1],
      ['ship', 2, 1, 0.5],
    ]);
    const ship = summary.find((w) => w.name === 'ship');
    expect(ship.metrics.duration_metrics.median).toBeGreaterThanOrEqual(15); // the slow job alone prints for 15 s

    await page.goto(`${server.url}/insights/${SLUG}`);
    await page.getByRole('heading', { name: 'Insights' }).waitFor();
    const workflows = page.getByRole('region', { name: 'Workflows' });
    await workflows.locator('[data-name="feature"]', { hasText: '100%' }).waitFor();
    const shipRow = workflows.locator('[data-name="ship"]', { hasText: '50%' });
    await shipRow
      .getByText(formatDuration(ship.metrics.duration_metrics.median * 1000), { exact: true })
      .first()
      .waitFor();
    expect(await shipRow.locator('td').nth(1).textContent()).toBe('2');
    // The first workflow (feature) is selected: its one job, successful.
    await page.getByRole('region', { name: 'Jobs of feature' }).locator('[data-name="quick"]', { hasText: '100%' }).waitFor();

    await workflows.getByRole('button', { name: 'ship' }).click();
    const shipJobs = (await server.api('GET', `/api/v2/insights/${SLUG}/workflows/ship/jobs?all-branches=true&reporting-window=last-90-days`)).body
      .items as any[];
    const slow = shipJobs.find((j) => j.name === 'slow');
    expect(slow.metrics.successful_runs).toBe(1);
    expect(slow.metrics.duration_metrics.median).toBeGreaterThanOrEqual(15);
    const jobsRegion = page.getByRole('region', { name: 'Jobs of ship' });
    for (const j of shipJobs) await jobsRegion.locator(`[data-name="${j.name}"]`, { hasText: `${Math.round(j.metrics.success_rate * 1000) / 10}%` }).waitFor();
    expect(shipJobs.map((j) => j.name)).toEqual(expect.arrayContaining(['build', 'deploy', 'slow']));
    const runs = (await server.api('GET', `/api/v2/insights/${SLUG}/workflows/ship?all-branches=true`)).body.items as any[];
    expect(runs.map((r) => r.status).sort()).toEqual(['canceled', 'success']);
    const latest = [...runs].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at)).at(-1);
    await page.getByRole('img', { name: `Duration per run: 2 points, latest ${formatDuration(latest.duration * 1000)}` }).waitFor();
    await page.getByRole('img', { name: /^Success rate per day: \d+ points/ }).waitFor();
    const series = (await server.api('GET', `/api/v2/insights/time-series/${SLUG}/workflows/ship/jobs?granularity=daily`)).body.items as any[];
    const seriesJobs = new Set(series.map((s) => s.name));
    expect(seriesJobs.has('slow')).toBe(true);
    await waitFor(
      async () => ((await page.getByRole('region', { name: 'Job trends of ship' }).getByRole('img').count()) === seriesJobs.size * 2 ? true : undefined),
      'a duration and a success chart per job',
    );
    await screenshot(page, 'insights');
    expect(problems()).toEqual([]);
  });

  it('creates, lists and revokes personal API tokens from the user menu', async () => {
    await page.evaluate((t) => (globalThis as any).localStorage.setItem('slipway.token', t), server.token);
    await page.goto(`${server.url}/`);
    await page.getByTestId('user').click();
    await page.getByRole('heading', { name: 'Personal API tokens' }).waitFor();
    await page.fill('input[name="label"]', 'from-the-ui');
    await page.getByRole('button', { name: 'Create token' }).click();
    const shown = (await page.getByTestId('new-token').textContent())!.trim();
    expect(shown).toMatch(/^[0-9a-f]{40}$/);
    expect((await server.api('GET', '/api/v2/me', undefined, shown)).status).toBe(200);
    const row = page.getByRole('region', { name: 'Tokens' }).locator('tr', { hasText: 'from-the-ui' });
    await row.waitFor();
    // The token this browser signed in with is marked, and revoking it says it signs out.
    const own = createHash('sha256').update(server.token).digest('hex').slice(0, 16);
    const ownRow = page.locator(`tr[data-token="${own}"]`);
    await ownRow.filter({ hasText: 'this browser' }).waitFor();
    expect(await ownRow.getByRole('button').textContent()).toBe('Revoke and sign out');
    // The list never shows a secret: only the label, an id and the date.
    expect(await page.getByRole('region', { name: 'Tokens' }).textContent()).not.toContain(shown);
    await row.getByRole('button', { name: /^Revoke from-the-ui/ }).click();
    await row.waitFor({ state: 'detached' });
    expect((await server.api('GET', '/api/v2/me', undefined, shown)).status).toBe(401);
    await screenshot(page, 'tokens');
    expect(problems()).toEqual([]);
  });

  it('signs out by revoking the token on the server, not only forgetting it', async () => {
    const me = (await server.api('GET', '/api/v2/me')).body;
    const session = (await server.api('POST', `/api/v2/slipway/users/${me.id}/tokens`, { label: 'browser' })).body.token;
    await page.evaluate((t) => (globalThis as any).localStorage.setItem('slipway.token', t), session);
    await page.goto(`${server.url}/`);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin/);
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('slipway.token'))).toBeNull();
    await waitFor(
      async () => ((await server.api('GET', '/api/v2/me', undefined, session)).status === 401 ? true : undefined),
      'the signed-out token to be refused',
    );
    expect((await server.api('GET', '/api/v2/me')).status).toBe(200);
    expect(problems()).toEqual([]);
  });
});
