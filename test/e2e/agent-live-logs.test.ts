import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';

const SLUG = 'gh/acme/live-logs';
const CONFIG = `version: 2.1
jobs:
  count:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run:
          name: Count
          command: for i in $(seq 1 20); do echo "tick $i"; sleep 1; done
workflows:
  main:
    jobs: [count]
`;

describe('live log tailing (slipway dev end to end)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'README.md': 'live logs' });

  beforeAll(async () => {
    server = await startDevServer();
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url })).status).toBe(201);
  }, 60_000);
  afterAll(() => server?.stop());

  it('streams a watched running step every few seconds instead of batching its output until the end', async () => {
    const pipeline = (await server.api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' })).body;
    const { workflowId, number } = await waitFor(async () => {
      const wf = (await server.api('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).body.items?.[0];
      const job = wf && (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items?.[0];
      return job?.job_number ? { workflowId: wf.id as string, number: job.job_number as number } : undefined;
    }, 'the job to be queued');
    // A viewer polls the v1.1 job detail and the step's output, as the web UI does: that marks the job watched,
    // the agent's next report is answered with `live`, and its output then goes up every ~2 s. Unwatched, the
    // step's output would arrive as its first second and then all at its end (20 s < the 30 s batching wait).
    const seen: string[] = [];
    const midway = await waitFor(
      async () => {
        const detail = await server.api('GET', `/api/v1.1/project/gh/acme/live-logs/${number}`);
        expect(detail.status).toBe(200);
        const action = detail.body.steps.find((s: any) => s.name === 'Count')?.actions[0];
        if (!action) return undefined;
        const text = ((await (await fetch(action.output_url)).json()) as Array<{ message: string }>).map((m) => m.message).join('');
        if (action.status !== 'running') throw new Error(`the step finished before its output was seen midway; seen: ${JSON.stringify(seen)}`);
        if (seen.at(-1) !== text) seen.push(text);
        return text.includes('tick 8\n') ? text : undefined;
      },
      'the running step to show its eighth line',
      20_000,
    );
    expect(midway).not.toContain('tick 20');
    // Several chunks arrived while the step ran, not one.
    expect(seen.filter((t) => t !== '').length).toBeGreaterThanOrEqual(3);
    await waitFor(
      async () => ((await server.api('GET', `/api/v2/workflow/${workflowId}`)).body.status === 'success' ? true : undefined),
      'the workflow to succeed',
      40_000,
    );
  }, 90_000);
});
