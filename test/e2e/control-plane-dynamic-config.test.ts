import { checkedApi } from '../openapi/checked-api';
import { createTestRepo } from '../support/git-repo';
import { startDevServer, type DevServer } from '../support/dev-server';
import { jobOutput, jobsOf, poll, TERMINAL_WORKFLOW } from './control-plane-support';

jest.setTimeout(120_000);

/** The setup job continues with `.circleci/continue.yml`, then tries the same key a second time. */
const SETUP = `version: 2.1
setup: true
parameters:
  greeting: { type: string, default: "" }
jobs:
  generate:
    docker: [{ image: cimg/base:stable }]
    steps:
      - checkout
      - run:
          name: Continue the pipeline
          command: |
            echo "key is $CIRCLE_CONTINUATION_KEY"
            node -e '
              const body = JSON.stringify({
                "continuation-key": process.env.CIRCLE_CONTINUATION_KEY,
                configuration: require("fs").readFileSync(".circleci/continue.yml", "utf8"),
                parameters: { greeting: "hello from setup" },
              });
              const url = process.env.CIRCLECI_API_HOST + "/api/v2/pipeline/continue";
              (async () => {
                for (const attempt of ["first", "second"]) {
                  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
                  console.log(attempt + " continue: " + res.status + " " + (await res.text()));
                }
              })();
            '
workflows:
  setup:
    jobs: [generate]
`;

const CONTINUATION = `version: 2.1
parameters:
  greeting: { type: string, default: none }
jobs:
  greet:
    docker: [{ image: cimg/base:stable }]
    steps:
      - run: echo "continued says << pipeline.parameters.greeting >>"
workflows:
  continued:
    jobs: [greet]
`;

describe('dynamic config (setup workflows and POST /api/v2/pipeline/continue)', () => {
  let server: DevServer;
  let api: DevServer['api'];
  const repo = createTestRepo({ '.circleci/config.yml': SETUP, '.circleci/continue.yml': CONTINUATION });
  const slug = 'gh/acme/dynamic';

  beforeAll(async () => {
    server = await startDevServer();
    api = checkedApi(server);
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('runs the setup workflow, whose job continues the pipeline once with a second config', async () => {
    const trigger = await api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    expect(trigger.status).toBe(201);
    const pipelineId = trigger.body.id;
    const done = await poll(async () => {
      const wfs = (await api('GET', `/api/v2/pipeline/${pipelineId}/workflow`)).body.items as any[];
      return wfs.length === 2 && wfs.every((w) => TERMINAL_WORKFLOW.includes(w.status)) ? wfs : undefined;
    }, 'the setup and the continued workflow to finish');
    const setup = done.find((w) => w.name === 'setup');
    const continued = done.find((w) => w.name === 'continued');
    expect([setup.tag, setup.status]).toEqual(['setup', 'success']);
    expect([continued.tag, continued.status]).toEqual([undefined, 'success']);

    const pipeline = (await api('GET', `/api/v2/pipeline/${pipelineId}`)).body;
    expect(pipeline.state).toBe('setup');
    const config = (await api('GET', `/api/v2/pipeline/${pipelineId}/config`)).body;
    expect(config.source).toBe(CONTINUATION);

    const generate = (await jobsOf(server, setup.id)).generate;
    const setupOutput = await jobOutput(server, slug, generate.job_number);
    expect(setupOutput).toContain('first continue: 200');
    expect(setupOutput).toMatch(/second continue: 409 .*continued already/);
    // The key is a secret: masked in the job's output.
    expect(setupOutput).toMatch(/key is \S/);
    expect(setupOutput).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);

    const greet = (await jobsOf(server, continued.id)).greet;
    expect(await jobOutput(server, slug, greet.job_number)).toContain('continued says hello from setup');
  });

  it('refuses continuation parameters that were given when the pipeline was triggered (400); the pipeline still waits for its continuation', async () => {
    const trigger = await api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main', parameters: { greeting: 'from the trigger' } });
    const pipelineId = trigger.body.id;
    const setup = await poll(async () => {
      const wf = (await api('GET', `/api/v2/pipeline/${pipelineId}/workflow`)).body.items?.[0];
      return wf && TERMINAL_WORKFLOW.includes(wf.status) ? wf : undefined;
    }, 'the setup workflow to finish');
    const output = await jobOutput(server, slug, (await jobsOf(server, setup.id)).generate.job_number);
    expect(output).toMatch(/first continue: 400 .*Conflicting pipeline parameters: greeting/);
    expect((await api('GET', `/api/v2/pipeline/${pipelineId}`)).body.state).toBe('setup-pending');
    expect((await api('GET', `/api/v2/pipeline/${pipelineId}/workflow`)).body.items).toHaveLength(1);
  });

  it('refuses a continuation without a key or with a forged one (401)', async () => {
    const missing = await api('POST', '/api/v2/pipeline/continue', { configuration: CONTINUATION });
    expect(missing.status).toBe(401);
    expect(missing.body.message).toMatch(/continuation-key/);
    const forged = await api('POST', '/api/v2/pipeline/continue', { 'continuation-key': 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl', configuration: CONTINUATION });
    expect(forged.status).toBe(401);
  });
});
