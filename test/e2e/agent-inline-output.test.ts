import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';

const SLUG = 'gh/acme/inline-output';
const CONFIG = `version: 2.1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: { name: Short, command: echo "short and sweet" }
      - run: { name: Long, command: seq 1 3000 }
workflows:
  main:
    jobs: [build]
`;

describe('small step output kept with the step (slipway dev end to end)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'README.md': 'inline output' });

  beforeAll(async () => {
    server = await startDevServer();
    expect((await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url })).status).toBe(201);
  }, 60_000);
  afterAll(() => server?.stop());

  /** The log objects the S3 emulator holds under a step's prefix (`logs/<job>/<task>/<attempt>/<step>/`). */
  const logObjects = (jobId: string, step: number) =>
    (readdirSync(join(server.dataDir, 's3'), { recursive: true }) as string[]).filter((p) => p.split('\\').join('/').includes(`logs/${jobId}/0/0/${String(step).padStart(4, '0')}/`));

  it('serves a short step from the job through output_url with no log object, and a long step from chunks', async () => {
    const pipeline = (await server.api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' })).body;
    const workflowId = await waitFor(async () => (await server.api('GET', `/api/v2/pipeline/${pipeline.id}/workflow`)).body.items?.[0]?.id as string | undefined, 'the workflow');
    await waitFor(async () => ((await server.api('GET', `/api/v2/workflow/${workflowId}`)).body.status === 'success' ? true : undefined), 'the workflow to succeed', 60_000);
    const job = (await server.api('GET', `/api/v2/workflow/${workflowId}/job`)).body.items[0];
    const detail = await server.api('GET', `/api/v1.1/project/${SLUG}/${job.job_number}`);
    expect(detail.status).toBe(200);
    const action = (name: string) => detail.body.steps.find((s: any) => s.name === name).actions[0];
    const output = async (name: string) => (await (await fetch(action(name).output_url)).json()) as Array<{ message: string; type: string; time: string }>;

    const short = await output('Short');
    expect(short).toEqual([{ message: 'short and sweet\n', type: 'out', time: action('Short').end_time }]);
    expect(action('Short').has_output).toBe(true);
    expect(logObjects(job.id, action('Short').step)).toEqual([]);

    const long = await output('Long');
    expect(long.map((m) => m.message).join('')).toBe(`${Array.from({ length: 3000 }, (_, i) => i + 1).join('\n')}\n`);
    expect(action('Long').has_output).toBe(true);
    expect(logObjects(job.id, action('Long').step).length).toBeGreaterThan(0);
  }, 90_000);
});
