import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { createTestRepo, type TestRepo } from '../support/git-repo';

/** A file on the host every job appends to when it runs: the record of how often each job really ran. */
export function createLedger(): { file: string; lines(): string[] } {
  const file = join(mkdtempSync(join(tmpdir(), 'slipway-ledger-')), 'runs');
  return { file, lines: () => (readFileSync(file, 'utf8') as string).split('\n').filter(Boolean) };
}

/**
 * Fan-out/fan-in: `start` → `fan-1..fan-N` → `end`; every job prints a marker naming itself and its pipeline
 * and appends the same to the ledger file.
 */
export function fanOutConfig(width: number, ledger: string): string {
  const job = (name: string) => `  ${name}:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo "marker ${name} pipeline-<< pipeline.number >>" | tee -a ${ledger}`;
  const fans = Array.from({ length: width }, (_, i) => `fan-${i + 1}`);
  return `version: 2.1
jobs:
${['start', ...fans, 'end'].map(job).join('\n')}
workflows:
  main:
    jobs:
      - start
${fans.map((f) => `      - ${f}:\n          requires: [start]`).join('\n')}
      - end:
          requires: [${fans.join(', ')}]
`;
}

export const TERMINAL_WORKFLOW = ['success', 'failed', 'canceled', 'error', 'not_run'];

export interface Harness {
  server: DevServer;
  repo: TestRepo;
  slug: string;
}

/** A `slipway dev` with the given fault environment and one project whose config is `config`. */
export async function startHarness(env: Record<string, string>, config: string, slug = 'gh/reliability/app'): Promise<Harness> {
  const repo = createTestRepo({ '.circleci/config.yml': config });
  const server = await startDevServer({ env: { SLIPWAY_CRON_SECONDS: '2', ...env } });
  const created = await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url });
  if (created.status !== 201) throw new Error(`project not created: ${created.status} ${JSON.stringify(created.body)}`);
  return { server, repo, slug };
}

/** Triggers `count` pipelines of the project on main. */
export async function trigger(h: Harness, count: number): Promise<Array<{ id: string; number: number }>> {
  const out: Array<{ id: string; number: number }> = [];
  for (let i = 0; i < count; i++) {
    const r = await h.server.api('POST', `/api/v2/project/${h.slug}/pipeline`, { branch: 'main' });
    if (r.status !== 201) throw new Error(`trigger failed: ${r.status} ${JSON.stringify(r.body)}`);
    out.push(r.body);
  }
  return out;
}

export interface PipelineOutcome {
  id: string;
  number: number;
  workflows: any[];
  jobs: any[];
}

/** Waits until every pipeline has all its workflows terminal; resolves their workflows and jobs. */
export async function settle(h: Harness, pipelines: Array<{ id: string }>, timeoutMs = 90_000): Promise<PipelineOutcome[]> {
  return Promise.all(
    pipelines.map((p) => {
      let seen = 'nothing yet';
      return waitFor(
        async () => {
          const pipeline = await h.server.api('GET', `/api/v2/pipeline/${p.id}`);
          if (pipeline.body.state === 'errored') throw new Error(`pipeline errored: ${JSON.stringify(pipeline.body.errors)}`);
          const wfs = await h.server.api('GET', `/api/v2/pipeline/${p.id}/workflow`);
          const items = wfs.body.items ?? [];
          const jobs = (await Promise.all(items.map((w: any) => h.server.api('GET', `/api/v2/workflow/${w.id}/job`)))).flatMap((r) => r.body.items);
          seen = `pipeline ${pipeline.body.state}, workflows ${items.map((w: any) => w.status).join(', ') || 'none'}, jobs ${jobs.map((j: any) => `${j.name}:${j.status}`).join(', ')}`;
          if (!items.length || !items.every((w: any) => TERMINAL_WORKFLOW.includes(w.status))) return undefined;
          return { id: p.id, number: pipeline.body.number, workflows: items, jobs };
        },
        `pipeline ${p.id} to finish`,
        timeoutMs,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; last seen: ${seen}`);
      });
    }),
  );
}

/** The concatenated output of every step action of a job, with the step structure (v1.1 job detail). */
export async function jobSteps(h: Harness, jobNumber: number): Promise<Array<{ name: string; actions: Array<{ status: string; output: string }> }>> {
  const [vcs, org, repo] = h.slug.split('/');
  const detail = await waitFor(
    async () => {
      const r = await h.server.api('GET', `/api/v1.1/project/${vcs}/${org}/${repo}/${jobNumber}`);
      return r.status === 200 ? r : undefined;
    },
    `detail of job ${jobNumber}`,
    20_000,
  );
  const steps = [];
  for (const step of detail.body.steps) {
    const actions = [];
    for (const a of step.actions) {
      // A read may fail while faults are injected (a 5xx the client retries); a wrong body never passes.
      const messages = await waitFor(
        async () => {
          const res = await fetch(a.output_url);
          return res.status === 200 ? ((await res.json()) as Array<{ message: string }>) : undefined;
        },
        `output of job ${jobNumber}`,
        20_000,
      );
      actions.push({ status: a.status, output: messages.map((m) => m.message).join('') });
    }
    steps.push({ name: step.name, actions });
  }
  return steps;
}

const count = (text: string, needle: string) => text.split(needle).length - 1;

/**
 * The invariants every fault must leave intact: one pipeline per trigger (each number once), one workflow
 * per pipeline, one job per plan entry, each job numbered once and numbers unique in the project, every job in
 * the expected final state, each step result once, and each acknowledged log line present exactly once.
 */
export async function expectIntact(
  h: Harness,
  triggered: Array<{ id: string; number: number }>,
  outcomes: PipelineOutcome[],
  expected: { jobNames: string[]; status?: string; ledger?: string[] },
) {
  const listed = await h.server.api('GET', `/api/v2/project/${h.slug}/pipeline`);
  const ids = listed.body.items.map((p: any) => p.id).sort();
  expect(ids).toEqual(triggered.map((t) => t.id).sort());
  // Numbers are unique; a counter increment whose response was lost and retried may leave a gap.
  expect(new Set(listed.body.items.map((p: any) => p.number)).size).toBe(triggered.length);
  const jobNumbers: number[] = [];
  for (const o of outcomes) {
    expect(o.workflows).toHaveLength(1);
    expect(o.workflows[0].status).toBe(expected.status ?? 'success');
    expect(o.jobs.map((j) => j.name).sort()).toEqual([...expected.jobNames].sort());
    for (const job of o.jobs) {
      expect(job.status).toBe(expected.status ?? 'success');
      expect(typeof job.job_number).toBe('number');
      jobNumbers.push(job.job_number);
      const steps = await jobSteps(h, job.job_number);
      // Spin up environment + the marker step (+ any extra step), each once, with one action each.
      expect(steps.every((s) => s.actions.length === 1)).toBe(true);
      expect(new Set(steps.map((s) => s.name)).size).toBe(steps.length);
      const output = steps.map((s) => s.actions[0].output).join('');
      expect(count(output, `marker ${job.name} pipeline-${o.number}\n`)).toBe(1);
    }
  }
  expect(new Set(jobNumbers).size).toBe(jobNumbers.length);
  if (expected.ledger) {
    // Every job ran exactly once on the host (a duplicate execution would append its marker again).
    const want = outcomes.flatMap((o) => o.jobs.map((j) => `marker ${j.name} pipeline-${o.number}`));
    expect([...expected.ledger].sort()).toEqual(want.sort());
  }
  expect((await h.server.api('GET', '/healthz', undefined, null)).status).toBe(200);
}
