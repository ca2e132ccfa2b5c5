import type { ApiClient } from '../api-client';

const TERMINAL = new Set(['success', 'failed', 'error', 'failing', 'canceled', 'unauthorized', 'not_run']);

export interface SmokeTestOptions {
  /** Give up after this long (a first Fargate task pulls its images). */
  timeoutMs: number;
  pollMs?: number;
  log?: (line: string) => void;
}

/**
 * `slipway admin smoke-test`: starts the built-in pipeline on the Slipway at `SLIPWAY_URL` (as the administrator
 * of `SLIPWAY_TOKEN`), follows it, and resolves whether it succeeded, reporting each state change and, on
 * failure, where to look.
 */
export async function runSmokeTest(api: ApiClient, options: SmokeTestOptions): Promise<boolean> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const pollMs = options.pollMs ?? 2000;
  const started = Date.now();
  const pipeline = await api.request<{ id: string; number: number; project_slug: string }>('POST', '/api/v2/slipway/smoke-test');
  log(`Smoke test: pipeline ${pipeline.number} (${pipeline.id}) of ${pipeline.project_slug} on ${api.baseUrl}`);
  let last = '';
  const report = (line: string) => {
    if (line !== last) log(`  ${line}`);
    last = line;
  };
  while (Date.now() - started < options.timeoutMs) {
    const p = await api.request<{ state: string; errors: { type: string; message: string }[] }>('GET', `/api/v2/pipeline/${pipeline.id}`);
    if (p.state === 'errored') {
      log(`FAILED: the pipeline errored: ${p.errors.map((e) => `${e.type}: ${e.message}`).join('; ')}`);
      return false;
    }
    const wf = (await api.request<{ items: { id: string; status: string }[] }>('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).items[0];
    if (wf) {
      const jobs = (await api.request<{ items: { name: string; status: string; job_number?: number }[] }>('GET', `/api/v2/workflow/${wf.id}/job`)).items;
      report(`workflow ${wf.status}; ${jobs.map((j) => `${j.name} ${j.status}`).join(', ')}`);
      if (TERMINAL.has(wf.status)) {
        const seconds = Math.round((Date.now() - started) / 1000);
        if (wf.status === 'success') {
          log(`PASSED in ${seconds} s: API, queues, compiler, dispatcher, compute, agent, logs and cache storage work.`);
          return true;
        }
        const failed = jobs.filter((j) => j.status !== 'success');
        const [vcs, org, repo] = pipeline.project_slug.split('/');
        log(`FAILED after ${seconds} s: workflow ${wf.status}.`);
        for (const j of failed)
          log(
            `  job ${j.name} ${j.status}: its steps' output: slipway logs, or GET ${api.baseUrl}/api/v1.1/project/${vcs}/${org}/${repo}/${j.job_number ?? '<number>'}`,
          );
        log('  Then check the dispatcher and cron logs (docs/deploy.md, "When the smoke test fails").');
        return false;
      }
    } else {
      report(`pipeline ${p.state}`);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  log(
    `FAILED: no result after ${Math.round(options.timeoutMs / 1000)} s (last: ${last.trim() || 'nothing'}). A job waiting for capacity? See the dispatcher logs and the dashboard.`,
  );
  return false;
}
