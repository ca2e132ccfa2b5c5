import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { jobOutput, workflowOf } from './control-plane-support';

const ORB = `version: 2.1
commands:
  greet:
    steps:
      - run: echo "hello from the registry orb"
`;

/** Over the 4 KB that stay on the pipeline item: config, plan and all go to pipelines/<id>/ in the bucket. */
const BIG_CONFIG = `version: 2.1
orbs:
  hi: acme/iam-greeter@1
jobs:
  build:
    docker: [{ image: cimg/base:stable }]
    steps:
      - hi/greet
${Array.from({ length: 60 }, (_, i) => `      - run: { name: step ${i}, command: echo "line ${i} of a config long enough to be stored in the bucket" }`).join('\n')}
      - run: mkdir -p out && echo report > out/r.txt
      - save_cache: { key: 'iam-{{ .Branch }}', paths: [out] }
      - store_artifacts: { path: out }
workflows:
  main:
    jobs: [build]
`;

const enforced = process.env.SLIPWAY_IAM_ENFORCE === '1' && process.env.SLIPWAY_IAM_TEMPLATE;

(enforced ? describe : describe.skip)('IAM enforcement from the synthesized template in `slipway dev`', () => {
  let server: DevServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('runs a pipeline with a config over 4 KB and a registry orb with every function held to its role', async () => {
    server = await startDevServer();
    expect(BIG_CONFIG.length).toBeGreaterThan(4096);
    expect((await server.api('POST', '/api/v2/slipway/orbs/acme/iam-greeter/1.0.0', { source: ORB })).status).toBe(201);
    await server.api('POST', '/api/v2/project/gh/acme/iam', { repo_url: createTestRepo({ '.circleci/config.yml': BIG_CONFIG }).url });
    const p = await server.api('POST', '/api/v2/project/gh/acme/iam/pipeline', {});
    const { jobs } = await workflowOf(server, p.body.id);
    expect(jobs.build.status).toBe('success');
    expect(await jobOutput(server, 'gh/acme/iam', jobs.build.job_number)).toContain('hello from the registry orb');
    const config = await server.api('GET', `/api/v2/pipeline/${p.body.id}/config`);
    expect(config.body.source).toContain('iam-greeter');
    expect(server.output()).not.toMatch(/\[iam\]/);
  }, 120_000);

  it('fails the call as AWS would when the template lacks the grant (the pipelines/ prefix removed)', async () => {
    const template = JSON.parse(readFileSync(process.env.SLIPWAY_IAM_TEMPLATE!, 'utf8'));
    for (const r of Object.values<any>(template.Resources)) {
      if (r.Type !== 'AWS::IAM::Policy') continue;
      const doc = r.Properties.PolicyDocument;
      for (const s of doc.Statement) s.Resource = [s.Resource].flat().filter((x: unknown) => !JSON.stringify(x).includes('/pipelines/*'));
      doc.Statement = doc.Statement.filter((s: { Resource: unknown[] }) => s.Resource.length > 0);
    }
    const file = join(mkdtempSync(join(tmpdir(), 'slipway-iam-')), 'template.json');
    writeFileSync(file, JSON.stringify(template));
    server = await startDevServer({ env: { SLIPWAY_IAM_TEMPLATE: file } });
    expect((await server.api('POST', '/api/v2/slipway/orbs/acme/iam-greeter/1.0.0', { source: ORB })).status).toBe(201);
    await server.api('POST', '/api/v2/project/gh/acme/iam', { repo_url: createTestRepo({ '.circleci/config.yml': BIG_CONFIG }).url });
    await server.api('POST', '/api/v2/project/gh/acme/iam/pipeline', {});
    const denial = await waitFor(
      async () =>
        /\[iam\] AccessDenied: User: \S+\/slipway-pipelines is not authorized to perform: s3:PutObject on resource: arn:aws:s3:::slipway\/pipelines\/\S+/.exec(
          server!.output(),
        )?.[0],
      'the denial',
    );
    expect(denial).toContain('assumed-role/');
  }, 120_000);
});
