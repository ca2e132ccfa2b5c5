import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

// Each step appends a line to the marker file, then kills its own agent (the step shell's parent), as a
// crashed machine would; `survivor` does so only on its first attempt.
const CONFIG = `version: 2.1
parameters:
  dir: { type: string, default: "" }
jobs:
  doomed:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo attempt >> << pipeline.parameters.dir >>/doomed; kill -9 $PPID; sleep 3
  survivor:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: |
          echo attempt >> << pipeline.parameters.dir >>/survivor
          if [ "$(wc -l < << pipeline.parameters.dir >>/survivor)" -lt 2 ]; then kill -9 $PPID; sleep 3; fi
          echo recovered
workflows:
  main:
    jobs: [doomed, survivor]
`;

describe('reaper (slipway dev with a short lease)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
  const slug = 'gh/acme/reaper';

  beforeAll(async () => {
    server = await startDevServer({ env: { SLIPWAY_LEASE_SECONDS: '3', SLIPWAY_CRON_SECONDS: '1' } });
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('retries the job of a killed agent once, then ends it infrastructure_fail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-reaper-'));
    const trigger = await checkedApi(server)('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main', parameters: { dir } });
    const { workflow, jobs } = await workflowOf(server, trigger.body.id);
    expect(jobs.doomed.status).toBe('infrastructure_fail');
    expect(jobs.survivor.status).toBe('success');
    expect(workflow.status).toBe('failed');
    // Two attempts each: the first killed, then one retry (killed again for `doomed`).
    expect(readFileSync(join(dir, 'doomed'), 'utf8').trim().split('\n')).toHaveLength(2);
    expect(readFileSync(join(dir, 'survivor'), 'utf8').trim().split('\n')).toHaveLength(2);
    const detail = await checkedApi(server)('GET', `/api/v2/project/${slug}/job/${jobs.doomed.job_number}`);
    expect(detail.body.status).toBe('infrastructure_fail');
  });
});
