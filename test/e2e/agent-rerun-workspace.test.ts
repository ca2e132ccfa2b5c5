import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { jobOutput, jobsOf, poll, TERMINAL_WORKFLOW, workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

// `consume` fails on its first run only (a marker file in a folder given as a pipeline parameter).
const CONFIG = `version: 2.1
parameters:
  dir: { type: string, default: "" }
jobs:
  produce:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: mkdir -p ws && echo "persisted by workflow $CIRCLE_WORKFLOW_ID" > ws/made.txt
      - persist_to_workspace: { root: ws, paths: [made.txt] }
  consume:
    docker: [{ image: cimg/base:stable }]
    steps:
      - attach_workspace: { at: got }
      - run: |
          echo "attached: $(cat got/made.txt)"
          if [ ! -f << pipeline.parameters.dir >>/ran-once ]; then touch << pipeline.parameters.dir >>/ran-once; exit 1; fi
workflows:
  main:
    jobs: [produce, { consume: { requires: [produce] } }]
`;

describe('workspaces of rerun workflows (slipway dev)', () => {
  let server: DevServer;
  const slug = 'gh/acme/rerun-ws';

  beforeAll(async () => {
    server = await startDevServer();
    const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('attaches the workspace persisted by a job of the original workflow that was not rerun', async () => {
    const api = checkedApi(server);
    const trigger = await api('POST', `/api/v2/project/${slug}/pipeline`, {
      branch: 'main',
      parameters: { dir: mkdtempSync(join(tmpdir(), 'slipway-rerun-ws-')) },
    });
    const first = await workflowOf(server, trigger.body.id);
    expect(first.jobs.produce.status).toBe('success');
    expect(first.jobs.consume.status).toBe('failed');

    const rerun = await api('POST', `/api/v2/workflow/${first.workflow.id}/rerun`, { from_failed: true });
    expect(rerun.status).toBe(202);
    await poll(async () => {
      const wf = await api('GET', `/api/v2/workflow/${rerun.body.workflow_id}`);
      return TERMINAL_WORKFLOW.includes(wf.body.status) ? wf.body : undefined;
    }, 'the rerun to finish');
    const jobs = await jobsOf(server, rerun.body.workflow_id);
    expect(Object.keys(jobs)).toEqual(['consume']);
    expect(jobs.consume.status).toBe('success');
    expect(await jobOutput(server, slug, jobs.consume.job_number)).toContain(`attached: persisted by workflow ${first.workflow.id}`);
  });
});
