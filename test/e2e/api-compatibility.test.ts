import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import CircleClient from 'circle-client';
import { CircleCI as CircleApi, GitType } from 'circleci-api';
import { generateKeyPairSync } from 'node:crypto';
import { resolve } from 'node:path';
import { specAvailable } from '../openapi/checked-api';
import { startCheckingProxy, type CheckingProxy } from '../openapi/checking-proxy';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { recorder, renderTable, syncTable } from './api-compatibility-support';
import { workflowOf } from './control-plane-support';

jest.setTimeout(180_000);

const CONFIG = `version: 2.1
parameters:
  scenario: { type: string, default: main }
executors:
  host: { docker: [{ image: cimg/base:stable }] }
jobs:
  build:
    executor: host
    steps:
      - run: mkdir -p out reports && echo hello > out/hello.txt && printf '<testsuite name="s" tests="2"><testcase classname="a" name="passes" time="0.1"/><testcase classname="a" name="fails" time="0.2"><failure message="boom">trace</failure></testcase></testsuite>' > reports/junit.xml
      - store_artifacts: { path: out }
      - store_test_results: { path: reports }
  lint:
    executor: host
    steps:
      - run: echo "lint found 3 problems"; exit 1
  long:
    executor: host
    steps:
      - run: sleep 60
workflows:
  main:
    when: { equal: [main, << pipeline.parameters.scenario >>] }
    jobs: [build, lint]
  slow:
    when: { equal: [slow, << pipeline.parameters.scenario >>] }
    jobs:
      - long
      - hold: { type: approval }
`;
const ORG = 'acme';
const REPO = 'compat';
const SLUG = `gh/${ORG}/${REPO}`;
const MCP_SERVER = resolve(__dirname, '..', '..', 'node_modules', '@circleci', 'mcp-server-circleci', 'dist', 'index.js');

describe('real CircleCI API clients from npm against slipway dev', () => {
  let server: DevServer;
  let proxy: CheckingProxy;
  const { outcomes, run } = recorder();
  const repo = createTestRepo({ '.circleci/config.yml': CONFIG });
  const ids: Record<string, any> = {};

  /** A pipeline of the `slow` scenario with its workflow once `long` runs and `hold` waits. */
  const slowWorkflow = async () => {
    const p = await server.api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main', parameters: { scenario: 'slow' } });
    return workflowOf(server, p.body.id, (_wf, jobs) => jobs.long?.status === 'running' && jobs.hold?.status === 'on_hold', 'slow workflow running');
  };

  beforeAll(async () => {
    server = await startDevServer({ env: { SLIPWAY_CRON_SECONDS: '1' } });
    proxy = await startCheckingProxy(server.url);
    const project = await server.api('POST', `/api/v2/project/${SLUG}`, { repo_url: repo.url });
    ids.orgId = project.body.organization_id;
    const p = await server.api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' });
    const { workflow, jobs } = await workflowOf(server, p.body.id);
    Object.assign(ids, {
      pipelineId: p.body.id,
      pipelineNumber: p.body.number,
      workflowId: workflow.id,
      build: jobs.build.job_number,
      lint: jobs.lint.job_number,
    });
    ids.userId = (await server.api('GET', '/api/v2/me')).body.id;
  });

  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
  });

  it('circle-client (API v2): every method', async () => {
    (CircleClient as any).baseUrl = `${proxy.url}/api/v2`;
    // The client warns once about preview endpoints (insights); that is its own notice, not a failure.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const c = new CircleClient(server.token, SLUG);
    const r = (method: string, call: () => Promise<unknown>) => run('circle-client', method, call);
    await r('getProject', async () => expect((await c.getProject()).slug).toBe(SLUG));
    await r('createCheckoutKey', async () => (ids.key = (await c.createCheckoutKey('deploy-key' as any)).fingerprint));
    await r('listCheckoutKeys', async () => expect((await c.listCheckoutKeys()).items.length).toBeGreaterThan(0));
    await r('getCheckoutKey', async () => expect((await c.getCheckoutKey(ids.key)).fingerprint).toBe(ids.key));
    await r('deleteCheckoutKey', () => c.deleteCheckoutKey(ids.key));
    await r('createEnvVar', () => c.createEnvVar('COMPAT', 'value'));
    await r('listEnvVars', async () => expect((await c.listEnvVars()).items.map((v: any) => v.name)).toContain('COMPAT'));
    await r('getEnvVar', async () => expect((await c.getEnvVar('COMPAT')).name).toBe('COMPAT'));
    await r('deleteEnvVar', () => c.deleteEnvVar('COMPAT'));
    await r('getWorkflow', async () => expect((await c.getWorkflow(ids.workflowId)).status).toBe('failed'));
    await r('listWorkflowJobs', async () => expect((await c.listWorkflowJobs(ids.workflowId)).items).toHaveLength(2));
    await r('listWorkflowMetrics', async () => expect((await c.listWorkflowMetrics()).items).toBeDefined());
    await r('listWorkflowJobMetrics', async () => expect((await c.listWorkflowJobMetrics('main')).items).toBeDefined());
    await r('listWorkflowRuns', async () => expect((await c.listWorkflowRuns('main')).items).toBeDefined());
    await r('listWorkflowJobRuns', () => c.listWorkflowJobRuns('main', 'build'));
    await r('listPipelines', async () => expect((await c.listPipelines(`gh/${ORG}`)).items.length).toBeGreaterThan(0));
    await r('getPipeline', async () => expect((await c.getPipeline(ids.pipelineId)).id).toBe(ids.pipelineId));
    await r('getPipelineConfig', async () => expect((await c.getPipelineConfig(ids.pipelineId)).source).toContain('store_artifacts'));
    await r('listPipelineWorkflows', async () => expect((await c.listPipelineWorkflows(ids.pipelineId)).items[0].id).toBe(ids.workflowId));
    await r('listProjectPipelines', async () => expect((await c.listProjectPipelines()).items.length).toBeGreaterThan(0));
    await r('listOwnProjectPipelines', async () => expect((await c.listOwnProjectPipelines()).items.length).toBeGreaterThan(0));
    await r('getProjectPipeline', async () => expect((await c.getProjectPipeline(ids.pipelineNumber)).id).toBe(ids.pipelineId));
    await r('getJob', async () => expect((await c.getJob(ids.build)).status).toBe('success'));
    await r('listJobArtifacts', async () => expect((await c.listJobArtifacts(ids.build)).items.map((a: any) => a.path)).toEqual(['out/hello.txt']));
    await r('listJobTests', async () => expect((await c.listJobTests(ids.build)).items).toHaveLength(2));
    await r('getMe', async () => expect((await c.getMe()).login).toBe('admin'));
    await r('getCollaborations', async () => expect((await c.getCollaborations()).map((o: any) => o.slug)).toContain(`gh/${ORG}`));
    await r('getUser', async () => expect((await c.getUser(ids.userId)).id).toBe(ids.userId));
    await r('createContext', async () => (ids.context = (await c.createContext('compat', { slug: `gh/${ORG}`, type: 'organization' } as any)).id));
    await r('listContexts', async () => expect((await c.listContexts({ ownerSlug: `gh/${ORG}` } as any)).items.map((x: any) => x.id)).toContain(ids.context));
    await r('getContext', async () => expect((await c.getContext(ids.context)).name).toBe('compat'));
    await r('createContextEnvVar', () => c.createContextEnvVar(ids.context, 'TOKEN', 'secret'));
    await r('listContextEnvVars', async () => expect((await c.listContextEnvVars(ids.context)).items.map((v: any) => v.variable)).toEqual(['TOKEN']));
    await r('deleteContextEnvVar', () => c.deleteContextEnvVar(ids.context, 'TOKEN'));
    await r('deleteContext', () => c.deleteContext(ids.context));
    await r('triggerProjectPipeline', async () =>
      expect(((await c.triggerProjectPipeline({ branch: 'main' })) as any).number).toBeGreaterThan(ids.pipelineNumber),
    );
    await r('rerunWorkflow', () => c.rerunWorkflow(ids.workflowId));
    const slow = await slowWorkflow();
    await r('approveWorkflowJob', () => c.approveWorkflowJob(slow.workflow.id, slow.jobs.hold.approval_request_id ?? slow.jobs.hold.id));
    await r('cancelJob', () => c.cancelJob(slow.jobs.long.job_number));
    const other = await slowWorkflow();
    await r('cancelWorkflow', () => c.cancelWorkflow(other.workflow.id));
  });

  it('circleci-api (API v1.1, token as ?circle-token=): every method', async () => {
    const c = new CircleApi({ token: server.token, vcs: { type: GitType.GITHUB, owner: ORG, repo: REPO }, circleHost: `${proxy.url}/api/v1.1` });
    const r = (method: string, call: () => Promise<unknown>) => run('circleci-api', method, call);
    await r('me', async () => expect((await c.me()).login).toBe('admin'));
    await r('projects', async () => expect((await c.projects()).map((p) => p.reponame)).toContain(REPO));
    await r('followProject', async () => expect(((await c.followProject({ vcs: { owner: ORG, repo: REPO } } as any)) as any).following).toBe(true));
    await r('recentBuilds', async () => expect((await c.recentBuilds()).map((b) => b.build_num)).toContain(ids.build));
    await r('builds', async () => {
      const builds = await c.builds({ filter: 'successful' } as any);
      expect(builds.map((b) => b.build_num)).toContain(ids.build);
      expect(new Set(builds.map((b) => b.status))).toEqual(new Set(['success']));
    });
    await r('buildsFor', async () => expect((await c.buildsFor('main', { limit: 1 })).length).toBe(1));
    await r('build', async () => {
      const b = await c.build(ids.lint);
      expect([b.status, b.outcome, b.lifecycle, b.workflows?.job_name]).toEqual(['failed', 'failed', 'finished', 'lint']);
      expect(b.steps.length).toBeGreaterThan(0);
    });
    await r('artifacts', async () => expect((await c.artifacts(ids.build)).map((a) => a.path)).toEqual(['out/hello.txt']));
    await r('latestArtifacts', async () =>
      expect((await c.latestArtifacts({ branch: 'main', filter: 'successful' } as any)).map((a) => a.path)).toEqual(['out/hello.txt']),
    );
    await r('getTestMetadata', async () => expect((await c.getTestMetadata(ids.build)).tests.map((t: any) => t.result).sort()).toEqual(['failure', 'success']));
    await r('listEnvVars', async () => expect(await c.listEnvVars()).toEqual([]));
    await r('addEnvVar', async () => expect((await c.addEnvVar({ name: 'V1', value: 'secret-value' })).value).toBe('xxxxalue'));
    await r('getEnvVar', async () => expect((await c.getEnvVar('V1')).name).toBe('V1'));
    await r('deleteEnvVar', () => c.deleteEnvVar('V1'));
    await r('addCheckoutKey', async () => (ids.v1key = (await c.addCheckoutKey('deploy-key' as any)).fingerprint));
    await r('listCheckoutKeys', async () => expect(((await c.listCheckoutKeys()) as any).map((k: any) => k.fingerprint)).toContain(ids.v1key));
    await r('getCheckoutKey', async () => expect((await c.getCheckoutKey(ids.v1key)).fingerprint).toBe(ids.v1key));
    await r('deleteCheckoutKey', () => c.deleteCheckoutKey(ids.v1key));
    const pem = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    await r('addSSHKey', () => c.addSSHKey({ hostname: 'deploy.example.com', private_key: pem }));
    await r('addHerokuKey', () => c.addHerokuKey({ apikey: 'heroku' } as any));
    await r('clearCache', () => c.clearCache());
    await r('triggerBuild', () => c.triggerBuild({ options: { newBuildOptions: { build_parameters: { scenario: 'main' } } } } as any));
    await r('triggerBuildFor', () => c.triggerBuildFor('main'));
    await r('retry', async () => expect((await c.retry(ids.lint)).build_num).toBe(ids.lint));
    const slow = await slowWorkflow();
    await r('cancel', () => c.cancel(slow.jobs.long.job_number));
  });

  it("CircleCI's MCP server (stdio, CIRCLECI_BASE_URL): the tools that read and rerun pipelines", async () => {
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MCP_SERVER],
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', CIRCLECI_TOKEN: server.token, CIRCLECI_BASE_URL: proxy.url },
      stderr: 'ignore',
    });
    const mcp = new Client({ name: 'slipway-compat', version: '1.0.0' });
    await mcp.connect(transport);
    try {
      const tool = async (name: string, args: Record<string, unknown>, expected: RegExp) => {
        const res = (await mcp.callTool({ name, arguments: { params: args } })) as { isError?: boolean; content: Array<{ text?: string }> };
        const text = res.content.map((c) => c.text ?? '').join('\n');
        if (res.isError || !expected.test(text)) throw new Error(`${name} answered: ${text.slice(0, 400)}`);
      };
      const r = (name: string, args: Record<string, unknown>, expected: RegExp) => run('@circleci/mcp-server-circleci', name, () => tool(name, args, expected));
      const project = { projectSlug: SLUG, branch: 'main' };
      // The tools read the newest pipeline of the branch: a finished one with a failure, artifacts and tests.
      const latest = await server.api('POST', `/api/v2/project/${SLUG}/pipeline`, { branch: 'main' });
      await workflowOf(server, latest.body.id);
      await r('get_latest_pipeline_status', project, /Workflow: main|Status:/);
      await r('get_build_failure_logs', { projectSlug: SLUG, branch: 'main' }, /lint found 3 problems/);
      await r('get_job_test_results', project, /fails|passes/);
      await r('list_artifacts', project, /hello\.txt/);
      await r('find_flaky_tests', { projectSlug: SLUG }, /flaky|No flaky tests/i);
      await r('rerun_workflow', { workflowId: ids.workflowId, fromFailed: true }, /[0-9a-f-]{36}/);
      await r('list_followed_projects', {}, new RegExp(REPO));
    } finally {
      await mcp.close();
    }
  });

  it('passes every mappable call, answers the others with a clear 4xx, matches the spec, and keeps the README table current', async () => {
    expect(outcomes.filter((o) => !o.ok)).toEqual([]);
    if (specAvailable) expect(proxy.violations).toEqual([]);
    const table = renderTable(outcomes);
    expect(syncTable(table)).toBe(table);
  });
});
