import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';

const CONFIG = `version: 2.1
jobs:
  a:
    docker: [{ image: cimg/base:stable }]
    steps:
      - checkout
      - run: echo "output of a on $CIRCLE_BRANCH"
  b:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run:
          name: Step of b
          command: echo "b runs after a" && test "$FAIL_B" != yes
workflows:
  main:
    jobs:
      - a
      - b:
          requires: [a]
`;

async function finishedWorkflow(server: DevServer, pipelineId: string) {
  return waitFor(async () => {
    const p = await server.api('GET', `/api/v2/pipeline/${pipelineId}`);
    if (p.body.state === 'errored') return { pipeline: p.body, workflow: undefined, jobs: [] as any[] };
    const wfs = await server.api('GET', `/api/v2/pipeline/${pipelineId}/workflow`);
    const wf = wfs.body.items?.[0];
    if (!wf || !['success', 'failed', 'canceled', 'error'].includes(wf.status)) return undefined;
    const jobs = await server.api('GET', `/api/v2/workflow/${wf.id}/job`);
    return { pipeline: p.body, workflow: wf, jobs: jobs.body.items as any[] };
  }, `pipeline ${pipelineId} to finish`);
}

async function stepOutputs(server: DevServer, slug: string, jobNumber: number): Promise<string> {
  const [vcs, org, repo] = slug.split('/');
  const detail = await server.api('GET', `/api/v1.1/project/${vcs}/${org}/${repo}/${jobNumber}`);
  expect(detail.status).toBe(200);
  let text = '';
  for (const step of detail.body.steps) {
    for (const action of step.actions) {
      const res = await fetch(action.output_url);
      expect(res.status).toBe(200);
      const messages = (await res.json()) as Array<{ message: string; type: string; time: string }>;
      for (const m of messages) {
        expect(m.type).toBe('out');
        expect(Number.isNaN(Date.parse(m.time))).toBe(false);
        text += m.message;
      }
    }
  }
  return text;
}

describe('walking skeleton (slipway dev end to end)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG, 'README.md': 'demo' });
  const slug = 'gh/acme/skeleton';

  beforeAll(async () => {
    server = await startDevServer();
    const created = await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url });
    expect(created.status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('runs a then b and serves their output through output_url', async () => {
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    expect(trigger.status).toBe(201);
    expect(trigger.body).toEqual(expect.objectContaining({ id: expect.any(String), number: 1, state: 'pending' }));
    const { workflow, jobs, pipeline } = await finishedWorkflow(server, trigger.body.id);
    expect(pipeline.state).toBe('created');
    expect(pipeline.vcs.revision).toBe(repo.git('rev-parse', 'HEAD'));
    expect(workflow.status).toBe('success');
    const a = jobs.find((j) => j.name === 'a');
    const b = jobs.find((j) => j.name === 'b');
    expect([a.status, b.status]).toEqual(['success', 'success']);
    expect(b.dependencies).toEqual([a.id]);
    expect(Date.parse(b.started_at)).toBeGreaterThanOrEqual(Date.parse(a.stopped_at));
    expect(await stepOutputs(server, slug, a.job_number)).toContain('output of a on main');
    expect(await stepOutputs(server, slug, b.job_number)).toContain('b runs after a');
    const detail = await server.api('GET', `/api/v2/project/${slug}/job/${b.job_number}`);
    expect(detail.body).toEqual(expect.objectContaining({ name: 'b', status: 'success', number: b.job_number }));
  });

  it('fails the job and the workflow on a failing step, and never starts the dependent job', async () => {
    const failing = CONFIG.replace('echo "output of a on $CIRCLE_BRANCH"', 'echo "about to fail"; exit 3');
    repo.commit({ '.circleci/config.yml': failing }, 'make a fail');
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const { workflow, jobs } = await finishedWorkflow(server, trigger.body.id);
    expect(workflow.status).toBe('failed');
    const a = jobs.find((j) => j.name === 'a');
    const b = jobs.find((j) => j.name === 'b');
    expect(a.status).toBe('failed');
    expect(b.status).toBe('not_run');
    expect(b.started_at).toBeNull();
    expect(b.job_number).toBeUndefined();
    expect(await stepOutputs(server, slug, a.job_number)).toMatch(/about to fail[\s\S]*Exited with code exit status 3/);
    repo.commit({ '.circleci/config.yml': CONFIG }, 'fix a');
  });

  it('answers bad input with CircleCI-style errors and stays healthy', async () => {
    expect(await server.api('GET', '/api/v2/project/gh/acme/nope/pipeline')).toEqual({ status: 404, body: { message: 'Project not found' } });
    const noToken = await server.api('GET', `/api/v2/project/${slug}/pipeline`, undefined, null);
    expect(noToken.status).toBe(401);
    expect(noToken.body.message).toMatch(/token/i);
    expect((await server.api('GET', `/api/v2/project/${slug}/pipeline`, undefined, 'wrong')).status).toBe(401);
    const malformed = await server.api('POST', `/api/v2/project/${slug}/pipeline`, '{"branch": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toMatch(/Malformed JSON/);
    const unknownField = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branchh: 'main' });
    expect(unknownField.status).toBe(400);
    expect((await server.api('GET', '/healthz', undefined, null)).status).toBe(200);
  });

  it('leaves a pipeline errored with the git error when the repository cannot be cloned', async () => {
    const broken = 'gh/acme/broken';
    await server.api('POST', `/api/v2/project/${broken}`, { repo_url: 'file:///nonexistent/repo.git' });
    const trigger = await server.api('POST', `/api/v2/project/${broken}/pipeline`, {});
    const p = await waitFor(async () => {
      const r = await server.api('GET', `/api/v2/pipeline/${trigger.body.id}`);
      return r.body.state === 'errored' ? r.body : undefined;
    }, 'pipeline to error');
    expect(p.errors[0].type).toBe('config-fetch');
    expect(p.errors[0].message).toMatch(/Could not fetch file:\/\/\/nonexistent\/repo\.git: .*(does not exist|not appear to be a git repository)/);
    expect((await server.api('GET', '/healthz', undefined, null)).status).toBe(200);
  });

  it('refuses a second runtime on the same data folder with a clear message', async () => {
    await expect(startDevServer({ dataDir: server.dataDir })).rejects.toThrow(/Another Slipway \(pid \d+\) is using the data folder/);
    expect((await server.api('GET', '/healthz', undefined, null)).status).toBe(200);
  });

  it('keeps projects, pipelines and logs across a restart with the same data folder', async () => {
    const before = await server.api('GET', `/api/v2/project/${slug}/pipeline`);
    const first = before.body.items.find((p: any) => p.number === 1);
    const { jobs } = await finishedWorkflow(server, first.id);
    await server.stop();
    server = await startDevServer({ dataDir: server.dataDir });
    const after = await server.api('GET', `/api/v2/project/${slug}/pipeline`);
    expect(after.body.items.map((p: any) => p.id)).toEqual(before.body.items.map((p: any) => p.id));
    expect(await stepOutputs(server, slug, jobs.find((j) => j.name === 'a').job_number)).toContain('output of a on main');
  }, 90_000);
});
