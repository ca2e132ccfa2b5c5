import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { createTestRepo, type TestRepo } from '../support/git-repo';
import { CONTINUE, FILTERS_AND_WHEN, PATH_FILTERING_ORB as ORB, SETUP } from '../support/plan-configs';
import { runSlipway } from '../support/slipway-cli';
import { CHROMIUM, ROOT, launchChromium } from './web-browser';

/**
 * `slipway plan --format mermaid` checked by Mermaid's own parser: the `mermaid` package needs a DOM, so its
 * browser bundle runs in a blank Chromium page and `mermaid.parse` reads each diagram the CLI prints.
 */

jest.setTimeout(120_000);

const MERMAID_JS = join(ROOT, 'node_modules', 'mermaid', 'dist', 'mermaid.min.js');

const MATRIX = `version: 2.1
jobs:
  test:
    parameters:
      node: { type: string }
      os: { type: string }
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo << parameters.node >> << parameters.os >> }]
  report:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo done }]
workflows:
  matrix:
    jobs:
      - test:
          matrix:
            parameters: { node: ['20.1', '22.0'], os: [linux, "win<dows>"] }
            exclude: [{ node: '20.1', os: "win<dows>" }]
      - hold: { type: approval, requires: [test] }
      - report: { requires: [hold], filters: { branches: { ignore: /feature\\/.*/ } } }
`;

/** Names CircleCI accepts that mean something in Mermaid's syntax. */
const AWKWARD_NAMES = `version: 2.1
jobs:
  j:
    docker: [{ image: cimg/base:stable }]
    steps: [{ run: echo hi }]
workflows:
  'say "hi"; end':
    jobs:
      - j: { name: 'quote " and #35; hash' }
      - j: { name: 'a<br/>b & c', requires: ['quote " and #35; hash'] }
      - j: { name: '%%{init: {}}%% [x] (y) {z} |p| ;', requires: ['a<br/>b & c'], filters: { branches: { only: main } } }
      - j: { name: 'end', requires: ['a<br/>b & c'] }
      - j: { name: '\`tick\` --> click', requires: [end] }
`;

interface MermaidGlobal {
  mermaid: { parse(text: string): Promise<{ diagramType: string }>; render(id: string, text: string): Promise<{ svg: string }> };
  document: { createElement(tag: string): { innerHTML: string; querySelectorAll(selector: string): ArrayLike<{ textContent: string | null }> } };
}

/** Mermaid's verdict on a diagram: its type when it parses, the parser's message when it does not. */
async function parseMermaid(page: Page, text: string): Promise<{ diagramType?: string; error?: string }> {
  return page.evaluate(async (diagram) => {
    try {
      const { diagramType } = await (globalThis as unknown as MermaidGlobal).mermaid.parse(diagram);
      return { diagramType };
    } catch (e) {
      return { error: String((e as Error).message ?? e) };
    }
  }, text);
}

/** The text of each node and subgraph label once Mermaid has drawn the diagram. */
async function renderedLabels(page: Page, text: string): Promise<string[]> {
  return page.evaluate(async (diagram) => {
    const g = globalThis as unknown as MermaidGlobal;
    const { svg } = await g.mermaid.render('plan', diagram);
    const holder = g.document.createElement('div');
    holder.innerHTML = svg;
    return Array.from(holder.querySelectorAll('.nodeLabel, .cluster-label'), (e) => e.textContent ?? '');
  }, text);
}

async function planMermaid(repo: TestRepo, ...args: string[]): Promise<string> {
  const r = await runSlipway(repo.dir, ['plan', '--format', 'mermaid', ...args]);
  if (!r.out.startsWith('flowchart LR\n')) throw new Error(`slipway plan ${args.join(' ')} printed no flowchart (exit ${r.code}):\n${r.out}${r.err}`);
  return r.out;
}

const describeBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
if (!existsSync(CHROMIUM)) console.warn(`plan Mermaid tests skipped: ${CHROMIUM} not found (install it with \`apt-get install -y chromium\`).`);

describeBrowser('slipway plan --format mermaid, read by Mermaid in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let repo: TestRepo;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: MERMAID_JS });
    repo = createTestRepo({ '.circleci/config.yml': FILTERS_AND_WHEN });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it.each([
    ['a feature branch (branch filters, when false)', ['--branch', 'feature/x']],
    ['main with a pipeline parameter (when logic holds)', ['--branch', 'main', '--param', 'nightly=true']],
    ['a matching tag (tag filters, approval skipped)', ['--tag', 'v1.0', '--event', 'tag']],
    ['a tag no filter matches', ['--tag', 'nightly-1']],
  ])('parses the plan for %s', async (_what, args) => {
    const diagram = await planMermaid(repo, ...args);
    expect(await parseMermaid(page, diagram)).toEqual({ diagramType: 'flowchart-v2' });
  });

  it('parses the plan of a matrix job behind an approval', async () => {
    const matrix = createTestRepo({ '.circleci/config.yml': MATRIX });
    const diagram = await planMermaid(matrix, '--branch', 'feature/y');
    expect(diagram).toContain('{{"hold"}}');
    expect(diagram).toContain('test-22.0-win#lt;dows#gt;');
    expect(await parseMermaid(page, diagram)).toEqual({ diagramType: 'flowchart-v2' });
  });

  it('parses the plan of a path-filtered setup config and its continuation', async () => {
    const setup = createTestRepo({ '.circleci/config.yml': SETUP, '.circleci/continue.yml': CONTINUE });
    const orbs = join(setup.dir, '.orbs', 'circleci', 'path-filtering@1.0.0');
    mkdirSync(orbs, { recursive: true });
    writeFileSync(join(orbs, 'orb.yml'), ORB);
    const diagram = await planMermaid(setup, '--branch', 'feature', '--changed', 'api/server.ts', '--orb-dir', join(setup.dir, '.orbs'));
    expect(diagram).toMatch(/subgraph cw0\["api"\]/);
    expect(await parseMermaid(page, diagram)).toEqual({ diagramType: 'flowchart-v2' });
  });

  it('parses job and workflow names that mean something in Mermaid', async () => {
    const awkward = createTestRepo({ '.circleci/config.yml': AWKWARD_NAMES });
    const diagram = await planMermaid(awkward, '--branch', 'feature');
    expect(await parseMermaid(page, diagram)).toEqual({ diagramType: 'flowchart-v2' });
    const labels = await renderedLabels(page, diagram);
    for (const name of ['say "hi"; end', 'quote " and #35; hash', 'a<br/>b & c', 'end', '`tick` --> click']) expect(labels).toContain(name);
    expect(labels).toContain('%%{init: {}}%% [x] (y) {z} |p| ;not run: filters.branches.only: main (branch feature does not match)');
  });

  it('rejects a broken diagram, so the check can fail', async () => {
    const diagram = await planMermaid(repo, '--branch', 'feature/x');
    expect(await parseMermaid(page, diagram.replace('  end\n', ''))).toEqual({ error: expect.stringMatching(/Parse error|Expecting/) });
    expect(await parseMermaid(page, diagram.replace('w0j0["build"]', 'w0j0["bu"ild"]'))).toEqual({ error: expect.stringMatching(/Parse error|Expecting/) });
  });
});
