import { DynamoIdentityStore } from '../../adapters/aws/dynamo-identity-store';
import { DynamoPipelineStore } from '../../adapters/aws/dynamo-pipeline-store';
import { DynamoProjectStore } from '../../adapters/aws/dynamo-project-store';
import { DynamoScheduleStore } from '../../adapters/aws/dynamo-schedule-store';
import { S3BlobStore } from '../../adapters/aws/s3-blob-store';
import { SqsMessageQueue } from '../../adapters/aws/sqs-message-queue';
import { systemClock } from '../../ports/clock';
import { aProject } from '../../ports/project-store.contract';
import type { RepositorySource } from '../../ports/repository-source';
import { createTestResources } from '../../../test/support/aws';
import type { ControlPlaneDeps } from '../deps';
import { INLINE_PIPELINE_CONFIG_MAX_BYTES, loadPipelineConfig, storePipelineConfig } from './pipeline-config';
import { processPipeline, triggerPipeline } from './pipelines';

const WORKFLOWS = 4;
const JOBS_PER_WORKFLOW = 250;

/** Four workflows of 250 jobs, each job with a few descriptive steps: a plan well over 400 KB. */
function bigConfig(): string {
  const lines = ['version: 2.1', 'jobs:'];
  for (let i = 0; i < WORKFLOWS * JOBS_PER_WORKFLOW; i++) {
    lines.push(
      `  job-${i}:`,
      '    docker: [{ image: cimg/base:stable }]',
      '    environment: { SUITE: "integration-and-acceptance-tests", SHARD: "' + i + '" }',
      '    steps:',
      '      - checkout',
      `      - run: { name: "Build the module number ${i} of the monorepo", command: "make -C modules/m${i} build test lint" }`,
      `      - store_test_results: { path: "modules/m${i}/reports" }`,
    );
  }
  lines.push('workflows:');
  for (let w = 0; w < WORKFLOWS; w++) {
    lines.push(`  wf-${w}:`, '    jobs:');
    for (let j = 0; j < JOBS_PER_WORKFLOW; j++) lines.push(`      - job-${w * JOBS_PER_WORKFLOW + j}`);
  }
  return lines.join('\n') + '\n';
}

/** Triggers and processes a pipeline of a new project whose `.circleci/config.yml` is `source`. */
async function runPipeline(source: string) {
  const r = await createTestResources();
  const repos: RepositorySource = {
    resolve: async () => ({ revision: 'a'.repeat(40), subject: 'a commit', body: '' }),
    readFile: async (_p, _rev, path) => (path === '.circleci/config.yml' ? source : undefined),
    checkoutAccess: async (project) => ({ url: project.repoUrl }),
  };
  const deps = {
    pipelines: new DynamoPipelineStore(r.table),
    projects: new DynamoProjectStore(r.table),
    identity: new DynamoIdentityStore(r.table),
    schedules: new DynamoScheduleStore(r.table),
    blobs: new S3BlobStore(r.clients.s3, r.bucket),
    queue: new SqsMessageQueue(r.clients.sqs, r.queueUrls),
    repos,
    clock: systemClock,
  } as unknown as ControlPlaneDeps;
  const project = aProject();
  await deps.projects.createProject(project);
  const triggered = await triggerPipeline(deps, project, { branch: 'main', trigger: { type: 'api', actor: { login: 'octocat', avatarUrl: null } } });
  await processPipeline(deps, triggered.id);
  return { deps, pipeline: (await deps.pipelines.getPipeline(triggered.id))! };
}

describe('processPipeline', () => {
  it('creates every workflow of a pipeline whose plan exceeds the DynamoDB item limit, keeping config and plan in the bucket', async () => {
    const source = bigConfig();
    const { deps, pipeline } = await runPipeline(source);
    expect(pipeline.state).toBe('created');
    expect(pipeline).toMatchObject({ configKey: `pipelines/${pipeline.id}/config.yml`, planKey: `pipelines/${pipeline.id}/plan.json` });
    expect(pipeline.plan).toBeUndefined();
    expect(pipeline.configSource).toBeUndefined();
    const config = await loadPipelineConfig(deps, pipeline);
    expect(config.source).toBe(source);
    expect(JSON.stringify(config.plan).length).toBeGreaterThan(400 * 1024);
    const workflows = await deps.pipelines.listWorkflows(pipeline.id);
    expect(workflows.map((w) => w.name).sort()).toEqual(Array.from({ length: WORKFLOWS }, (_, w) => `wf-${w}`));
    const jobs = (await Promise.all(workflows.map((w) => deps.pipelines.listJobs(w.id)))).flat();
    expect(jobs).toHaveLength(WORKFLOWS * JOBS_PER_WORKFLOW);
    expect(new Set(jobs.map((j) => j.name)).size).toBe(WORKFLOWS * JOBS_PER_WORKFLOW);
  }, 60_000);

  it("keeps a small pipeline's config and plan on its item, writing nothing to the bucket", async () => {
    const source =
      'version: 2.1\njobs:\n  build:\n    docker: [{ image: cimg/base:stable }]\n    steps: [checkout, { run: make test }]\nworkflows:\n  main:\n    jobs: [build]\n';
    const { deps, pipeline } = await runPipeline(source);
    expect(pipeline.state).toBe('created');
    expect(pipeline).toMatchObject({ configSource: source, plan: { workflows: [expect.objectContaining({ name: 'main' })] } });
    expect([pipeline.configKey, pipeline.planKey]).toEqual([undefined, undefined]);
    expect(await deps.blobs.list(`pipelines/${pipeline.id}/`)).toEqual([]);
    const config = await loadPipelineConfig(deps, pipeline);
    expect(config.source).toBe(source);
    expect(config.plan).toEqual(pipeline.plan);
    expect((await deps.pipelines.listWorkflows(pipeline.id)).map((w) => w.name)).toEqual(['main']);
  });

  it('stores config just over the inline limit in the bucket, and a later small config on the item in its place', async () => {
    const { deps, pipeline } = await runPipeline(
      'version: 2.1\njobs:\n  build:\n    docker: [{ image: cimg/base:stable }]\n    steps: [checkout]\nworkflows:\n  main:\n    jobs: [build]\n',
    );
    const large = `# ${'x'.repeat(INLINE_PIPELINE_CONFIG_MAX_BYTES)}\n`;
    const toBucket = await storePipelineConfig(deps, pipeline.id, { source: large });
    expect(toBucket).toEqual({ configKey: `pipelines/${pipeline.id}/config.yml`, configSource: undefined });
    const inBucket = (await deps.pipelines.updatePipeline(pipeline.id, 'created', toBucket))!;
    expect(inBucket.configSource).toBeUndefined();
    expect((await loadPipelineConfig(deps, inBucket)).source).toBe(large);

    const small = 'version: 2.1\n# continued\n';
    const onItem = (await deps.pipelines.updatePipeline(pipeline.id, 'created', await storePipelineConfig(deps, pipeline.id, { source: small })))!;
    expect([onItem.configSource, onItem.configKey]).toEqual([small, undefined]);
    expect((await loadPipelineConfig(deps, onItem)).source).toBe(small);
  });
});
