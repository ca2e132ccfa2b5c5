import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkedApi, specAvailable } from '../openapi/checked-api';
import { loadSpecValidator } from '../openapi/spec-validator';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { jobOutput, poll as waitFor, workflowOf } from './control-plane-support';

jest.setTimeout(90_000);

const CONFIG = `version: 2.1
parameters:
  scenario: { type: string, default: fanout }
  marker: { type: string, default: "" }
executors:
  host: { docker: [{ image: cimg/base:stable }] }
jobs:
  step:
    executor: host
    parameters:
      cmd: { type: string, default: "true" }
    steps:
      - run: << parameters.cmd >>
workflows:
  fanout:
    when: { equal: [fanout, << pipeline.parameters.scenario >>] }
    jobs:
      - step: { name: a }
      - step: { name: b, requires: [a], cmd: "sleep 1" }
      - step: { name: c, requires: [a], cmd: "sleep 1" }
      - step: { name: d, requires: [b, c] }
  failure:
    when: { equal: [failure, << pipeline.parameters.scenario >>] }
    jobs:
      - step: { name: a, cmd: "echo failing on purpose; exit 1" }
      - step: { name: b, requires: [a] }
      - step: { name: c, requires: [b] }
      - step: { name: x }
  approval:
    when: { equal: [approval, << pipeline.parameters.scenario >>] }
    jobs:
      - step: { name: build }
      - hold: { type: approval, requires: [build] }
      - step: { name: deploy, requires: [hold] }
  slow:
    when: { equal: [slow, << pipeline.parameters.scenario >>] }
    jobs:
      - step: { name: long, cmd: "sleep 60" }
      - step: { name: after, requires: [long] }
  flaky:
    when: { equal: [flaky, << pipeline.parameters.scenario >>] }
    jobs:
      - step: { name: a }
      - step: { name: b, requires: [a], cmd: "if [ -e << pipeline.parameters.marker >> ]; then echo second run; else touch << pipeline.parameters.marker >>; exit 1; fi" }
      - step: { name: c, requires: [b] }
      - step: { name: x }
  secrets:
    when: { equal: [secrets, << pipeline.parameters.scenario >>] }
    jobs:
      - step:
          name: uses-context
          context: [deploy-keys]
          cmd: 'echo "token is $DEPLOY_TOKEN and project var is $PROJECT_VAR"; test "$DEPLOY_TOKEN" = s3cr3t-deploy-value'
      - step: { name: restricted, context: [locked] }
`;

describe('control plane workflows (slipway dev, HTTP API only)', () => {
  let server: DevServer;
  let api: DevServer['api'];
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
  const slug = 'gh/acme/engine';
  const trigger = async (parameters: Record<string, string>) => {
    const res = await api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main', parameters });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    server = await startDevServer({ env: { SLIPWAY_CRON_SECONDS: '1' } });
    api = checkedApi(server);
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  (specAvailable ? it : it.skip)('checks responses against the CircleCI OpenAPI spec (a wrong shape is caught)', () => {
    expect(loadSpecValidator()!.check('GET', '/api/v2/me', 200, { id: 'not-a-uuid', login: 'x' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/must match format "uuid"/), expect.stringMatching(/must have required property 'name'/)]),
    );
    expect(loadSpecValidator()!.check('GET', '/api/v2/slipway/users', 200, {})).toBeUndefined();
  });

  it('fans out after a and fans in to d only when b and c both succeeded', async () => {
    const { workflow, jobs } = await workflowOf(server, await trigger({ scenario: 'fanout' }));
    expect(workflow.status).toBe('success');
    expect(Object.values(jobs).map((j) => j.status)).toEqual(['success', 'success', 'success', 'success']);
    for (const fanned of [jobs.b, jobs.c]) expect(Date.parse(fanned.started_at)).toBeGreaterThanOrEqual(Date.parse(jobs.a.stopped_at));
    expect(Date.parse(jobs.d.started_at)).toBeGreaterThanOrEqual(Math.max(Date.parse(jobs.b.stopped_at), Date.parse(jobs.c.stopped_at)));
    expect(jobs.d.dependencies.sort()).toEqual([jobs.b.id, jobs.c.id].sort());
  });

  it('marks what depends on a failed job not_run and fails the workflow', async () => {
    const { workflow, jobs } = await workflowOf(server, await trigger({ scenario: 'failure' }));
    expect(workflow.status).toBe('failed');
    expect([jobs.a.status, jobs.b.status, jobs.c.status, jobs.x.status]).toEqual(['failed', 'not_run', 'not_run', 'success']);
  });

  it('holds at an approval and runs the rest once approved', async () => {
    const pipelineId = await trigger({ scenario: 'approval' });
    const held = await workflowOf(server, pipelineId, (wf) => wf.status === 'on_hold', 'workflow on hold');
    expect([held.jobs.build.status, held.jobs.hold.status, held.jobs.deploy.status]).toEqual(['success', 'on_hold', 'blocked']);
    expect(held.jobs.hold.type).toBe('approval');
    const approve = await api('POST', `/api/v2/workflow/${held.workflow.id}/approve/${held.jobs.hold.approval_request_id}`);
    expect(approve.status).toBe(202);
    const { workflow, jobs } = await workflowOf(server, pipelineId);
    expect(workflow.status).toBe('success');
    expect(jobs.hold.approved_by).toEqual(expect.any(String));
    expect(jobs.deploy.status).toBe('success');
    const again = await api('POST', `/api/v2/workflow/${held.workflow.id}/approve/${held.jobs.hold.approval_request_id}`);
    expect(again.status).toBe(400);
  });

  it('cancels a workflow mid-run: the running job ends canceled and nothing after it runs', async () => {
    const pipelineId = await trigger({ scenario: 'slow' });
    const running = await workflowOf(server, pipelineId, (_wf, jobs) => jobs.long?.status === 'running', 'the long job to run');
    expect((await api('POST', `/api/v2/workflow/${running.workflow.id}/cancel`)).status).toBe(202);
    const { workflow, jobs } = await workflowOf(server, pipelineId, (wf, js) => wf.status === 'canceled' && js.long.status === 'canceled', 'cancellation');
    expect(workflow.canceled_by).toEqual(expect.any(String));
    expect(jobs.after.status).toBe('canceled');
    expect(jobs.after.started_at).toBeNull();
  });

  it('reruns from failed: only the failed job and what depends on it run again, in a new workflow', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'slipway-flaky-')), 'ran-once');
    const pipelineId = await trigger({ scenario: 'flaky', marker });
    const first = await workflowOf(server, pipelineId);
    expect(first.workflow.status).toBe('failed');
    expect([first.jobs.a.status, first.jobs.b.status, first.jobs.c.status, first.jobs.x.status]).toEqual(['success', 'failed', 'not_run', 'success']);
    const rerun = await api('POST', `/api/v2/workflow/${first.workflow.id}/rerun`, { from_failed: true });
    expect(rerun.status).toBe(202);
    const wf = await waitFor(async () => {
      const r = await api('GET', `/api/v2/workflow/${rerun.body.workflow_id}`);
      return ['success', 'failed'].includes(r.body.status) ? r.body : undefined;
    }, 'the rerun to finish');
    expect(wf).toEqual(expect.objectContaining({ status: 'success', pipeline_id: pipelineId, name: 'flaky' }));
    const jobs = (await api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items;
    expect(jobs.map((j: any) => [j.name, j.status]).sort()).toEqual([
      ['b', 'success'],
      ['c', 'success'],
    ]);
    const workflows = (await api('GET', `/api/v2/pipeline/${pipelineId}/workflow`)).body.items;
    expect(workflows).toHaveLength(2);
    const bad = await api('POST', `/api/v2/workflow/${first.workflow.id}/rerun`, { from_failed: true, jobs: [first.jobs.a.id] });
    expect(bad.status).toBe(400);
  });

  it('fires a scheduled pipeline that is due, once', async () => {
    // One slot per hour, due now: the cron (every second here) must fire it once, not once per run.
    const every = { 'per-hour': 1, 'hours-of-day': Array.from({ length: 24 }, (_, h) => h), 'days-of-week': ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] };
    const created = await api('POST', `/api/v2/project/${slug}/schedule`, {
      name: 'hourly',
      description: 'e2e',
      'attribution-actor': 'current',
      parameters: { branch: 'main', scenario: 'fanout' },
      timetable: every,
    });
    expect(created.status).toBe(201);
    expect(created.body.timetable['per-hour']).toBe(1);
    const fired = await waitFor(async () => {
      const list = await api('GET', `/api/v2/project/${slug}/pipeline`);
      const scheduled = list.body.items.filter((p: any) => p.trigger.type === 'scheduled_pipeline');
      return scheduled.length ? scheduled : undefined;
    }, 'the scheduled pipeline');
    expect(fired).toHaveLength(1);
    const { workflow } = await workflowOf(server, fired[0].id);
    expect(workflow.status).toBe('success');
    expect((await api('GET', `/api/v2/schedule/${created.body.id}`)).body.name).toBe('hourly');
    expect((await api('GET', `/api/v2/project/${slug}/schedule`)).body.items.map((s: any) => s.id)).toContain(created.body.id);
    expect((await api('DELETE', `/api/v2/schedule/${created.body.id}`)).status).toBe(200);
    const pipelines = (await api('GET', `/api/v2/project/${slug}/pipeline`)).body.items;
    // Each hourly slot fired once (two only if the test straddled an hour boundary).
    const hours = pipelines.filter((p: any) => p.trigger.type === 'scheduled_pipeline').map((p: any) => p.created_at.slice(0, 13));
    expect(new Set(hours).size).toBe(hours.length);
  });

  it('hands a context secret to the job, masks it in the log, and marks a job with a forbidden context unauthorized', async () => {
    const ctx = await api('POST', '/api/v2/context', { name: 'deploy-keys', owner: { slug: 'gh/acme', type: 'organization' } });
    expect(ctx.status).toBe(200);
    const put = await api('PUT', `/api/v2/context/${ctx.body.id}/environment-variable/DEPLOY_TOKEN`, { value: 's3cr3t-deploy-value' });
    expect(put.status).toBe(200);
    expect(put.body.value).toBe('xxxxalue');
    expect((await api('GET', `/api/v2/context/${ctx.body.id}/environment-variable`)).body.items).toEqual([
      expect.objectContaining({ variable: 'DEPLOY_TOKEN', context_id: ctx.body.id }),
    ]);
    expect((await api('POST', `/api/v2/project/${slug}/envvar`, { name: 'PROJECT_VAR', value: 'project-secret-42' })).status).toBe(201);
    const locked = await api('POST', '/api/v2/context', { name: 'locked', owner: { slug: 'gh/acme' } });
    const restriction = await api('POST', `/api/v2/context/${locked.body.id}/restrictions`, {
      restriction_type: 'expression',
      restriction_value: 'pipeline.git.branch == "release"',
    });
    expect(restriction.status).toBe(201);
    expect((await api('GET', `/api/v2/context/${locked.body.id}/restrictions`)).body.items).toHaveLength(1);

    const { workflow, jobs } = await workflowOf(server, await trigger({ scenario: 'secrets' }));
    expect(jobs['uses-context'].status).toBe('success');
    expect(jobs.restricted.status).toBe('unauthorized');
    expect(workflow.status).toBe('failed');
    const log = await jobOutput(server, slug, jobs['uses-context'].job_number);
    expect(log).toContain('token is ******** and project var is ********');
    expect(log).not.toContain('s3cr3t-deploy-value');
    expect(log).not.toContain('project-secret-42');
    const listed = await api('GET', '/api/v2/context?owner-slug=gh/acme');
    expect(listed.body.items.map((c: any) => c.name).sort()).toEqual(['deploy-keys', 'locked']);
  });

  it('serves users, collaborations and pipeline details in CircleCI shapes', async () => {
    const me = await api('GET', '/api/v2/me');
    expect(me.body.login).toBe('admin');
    expect((await api('GET', `/api/v2/user/${me.body.id}`)).body).toEqual(me.body);
    expect((await api('GET', '/api/v2/me/collaborations')).body.map((c: any) => c.slug)).toContain('gh/acme');
    const pipelines = (await api('GET', `/api/v2/project/${slug}/pipeline`)).body.items;
    expect((await api('GET', `/api/v2/project/${slug}/pipeline/mine`)).body.items.length).toBeGreaterThan(0);
    expect((await api('GET', '/api/v2/pipeline?org-slug=gh/acme')).body.items.length).toBeGreaterThan(0);
    const config = await api('GET', `/api/v2/pipeline/${pipelines[0].id}/config`);
    expect(config.body.source).toContain('workflows:');
    const values = await api('GET', `/api/v2/pipeline/${pipelines[0].id}/values`);
    expect(values.body['pipeline.number']).toBe(pipelines[0].number);
  });
});
