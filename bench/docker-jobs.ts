import { createTestRepo } from '../test/support/git-repo';
import { stopTestEngine, testEngine, type TestEngine } from '../test/support/container-engine';
import { startDevServer, waitFor } from '../test/support/dev-server';
import { figure, type Figure } from './report';
import { median, repeat } from './stats';

const NOOP = (engine: TestEngine) => `version: 2.1
jobs:
  noop:
    docker: [{ image: ${engine.images.busybox} }, { image: ${engine.images.pong}, name: db }]
    steps:
      - run: "true"
workflows:
  main: { jobs: [noop] }
`;

/** Trigger → the job's `run` step running (ms), per run, for one way of running docker jobs in `slipway dev`. */
async function firstStepTimes(engine: TestEngine, mode: 'host' | 'task' | 'executor', runs: number): Promise<number[]> {
  const server = await startDevServer({ env: { ...(engine.env as Record<string, string>), SLIPWAY_DOCKER_JOBS: mode } });
  try {
    const slug = `gh/bench/docker-${mode}`;
    await server.api('POST', `/api/v2/project/${slug}`, { repo_url: createTestRepo({ '.circleci/config.yml': NOOP(engine) }).url });
    return await repeat(runs, 1, async () => {
      const p = (await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' })).body;
      const job = await waitFor(
        async () => {
          const wf = (await server.api('GET', `/api/v2/pipeline/${p.id}/workflow`)).body.items?.[0];
          const jobs = wf && wf.status !== 'running' ? (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items : undefined;
          return jobs?.[0];
        },
        'the no-op docker job to finish',
        120_000,
      );
      if (job.status !== 'success') throw new Error(`the no-op docker job ended ${job.status} (${mode})`);
      const [vcs, org, repo] = slug.split('/');
      const detail = (await server.api('GET', `/api/v1.1/project/${vcs}/${org}/${repo}/${job.job_number}`)).body;
      const step = detail.steps.find((s: { name: string }) => s.name !== 'Spin up environment');
      return Date.parse(step.actions[0].start_time) - Date.parse(p.created_at);
    });
  } finally {
    await server.stop();
  }
}

/**
 * A no-op docker job with one service container, trigger → first step running: as a Fargate-style task and with
 * the docker executor on the container engine the tests use (DOCKER_HOST, a socket, or podman started for
 * them), beside the same job on the host executor in the same run.
 */
export async function dockerJobFigures(runs: number): Promise<Figure[]> {
  const engine = testEngine();
  if ('skip' in engine) throw new Error(engine.skip);
  try {
    return await measure(engine, runs);
  } finally {
    stopTestEngine();
  }
}

async function measure(engine: TestEngine, runs: number): Promise<Figure[]> {
  const host = median(await firstStepTimes(engine, 'host', runs));
  const note = `${runs} sequential runs after a warm-up per mode, each mode in its own slipway dev; a locally built busybox primary and one service container (images present in the engine); timestamps from the API.`;
  const rows: Figure[] = [];
  for (const mode of ['task', 'executor'] as const) {
    const ms = median(await firstStepTimes(engine, mode, runs));
    rows.push(
      figure({
        group: 'docker job, local engine',
        figure: `trigger → first step running, p50 (${mode === 'task' ? 'Fargate task' : 'docker executor'})`,
        unit: 'ms',
        slipway: ms,
        baseline: host,
        baselineLabel: 'same job, host executor',
        target: '≤ host + 1,500 ms',
        pass: ms <= host + 1500,
        note,
      }),
    );
  }
  return rows;
}
