import { createTestRepo } from '../support/git-repo';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';

const IMAGE = 'docker: [{ image: cimg/base:stable }]';

const BUILD = `version: 2.1
jobs:
  build:
    ${IMAGE}
    steps:
      - checkout
      - restore_cache:
          keys: ['deps-{{ checksum "lock.txt" }}-{{ .Branch }}', 'deps-']
      - run: |
          if [ -f node_modules/dep.txt ]; then echo "CACHE HIT: $(cat node_modules/dep.txt)"; else mkdir -p node_modules && echo "from build $CIRCLE_BUILD_NUM" > node_modules/dep.txt; fi
      - save_cache:
          key: 'deps-{{ checksum "lock.txt" }}-{{ .Branch }}'
          paths: [node_modules]
      - run: |
          mkdir -p out/sub && printf 'artifact-bytes-\\001\\002' > out/a.bin && echo nested > out/sub/n.txt
          echo "the secret is $MY_SECRET and $(printf %s "$MY_SECRET" | base64)"
          echo 'export FROM_BASH_ENV=sourced' >> "$BASH_ENV"
      - run:
          shell: /bin/sh -e
          command: echo "sh sees $FROM_BASH_ENV"
      - persist_to_workspace: { root: out, paths: ['*.bin', sub] }
      - store_artifacts: { path: out, destination: outputs }
      - run: |
          mkdir -p results
          cat > results/junit.xml <<'XML'
          <testsuites><testsuite name="unit" file="spec/a_spec.rb">
            <testcase classname="A" name="passes" time="0.25"/>
            <testcase classname="A" name="fails" file="spec/b_spec.rb" time="1.5"><failure message="expected 1">boom</failure></testcase>
            <testcase classname="B" name="skipped"><skipped/></testcase>
          </testsuite></testsuites>
          XML
      - store_test_results: { path: results }
  use:
    ${IMAGE}
    steps:
      - attach_workspace: { at: ws }
      - run: echo "workspace has $(cat ws/a.bin | head -c 15) and $(cat ws/sub/n.txt)"
workflows:
  main:
    jobs: [build, { use: { requires: [build] } }]
`;

const FAILING = `version: 2.1
jobs:
  fails:
    ${IMAGE}
    steps:
      - run: mkdir -p keep && echo kept > keep/k.txt && echo "about to fail" && exit 4
      - run: echo "on_success step ran"
      - run: { when: on_fail, command: echo "on_fail step ran" }
      - run: { when: always, command: echo "always step ran" }
      - store_artifacts: { path: keep }
  silent:
    ${IMAGE}
    steps:
      - run: { no_output_timeout: 2s, command: echo start && sleep 30 }
workflows:
  main:
    jobs: [fails, silent]
`;

/** Six tests whose file content is their duration; each node reports the total duration it ran. */
const SPLIT = `version: 2.1
jobs:
  tests:
    ${IMAGE}
    parallelism: 3
    steps:
      - checkout
      - run: |
          circleci tests glob "tests/*.test" | circleci tests split --split-by=timings > mine.txt
          total=0; { echo '<testsuite name="s">'; for f in $(cat mine.txt); do
            echo "<testcase classname=\\"c\\" name=\\"$f\\" file=\\"$f\\" time=\\"$(cat $f)\\"/>"; total=$((total + $(cat $f)));
          done; echo '</testsuite>'; } > junit.xml
          echo "NODE $CIRCLE_NODE_INDEX TOTAL=$total FILES=$(tr '\\n' ' ' < mine.txt)"
      - store_test_results: { path: junit.xml }
workflows:
  main:
    jobs: [tests]
`;

async function runPipeline(server: DevServer, slug: string) {
  const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
  expect(trigger.status).toBe(201);
  return waitFor(
    async () => {
      const wf = (await server.api('GET', `/api/v2/pipeline/${trigger.body.id}/workflow`)).body.items?.[0];
      if (!wf || !['success', 'failed', 'canceled', 'error'].includes(wf.status)) return undefined;
      return { workflow: wf, jobs: (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items as any[] };
    },
    'the workflow to finish',
    30_000,
  ).catch(async (e) => {
    const wf = (await server.api('GET', `/api/v2/pipeline/${trigger.body.id}/workflow`)).body.items[0];
    const jobs = (await server.api('GET', `/api/v2/workflow/${wf.id}/job`)).body.items as any[];
    const running = jobs.find((j) => j.status === 'running');
    const [vcs, org, repo] = slug.split('/');
    const steps = running ? (await server.api('GET', `/api/v1.1/project/${vcs}/${org}/${repo}/${running.job_number}`)).body.steps : [];
    throw new Error(`${e.message}\n${JSON.stringify(jobs)}\n${JSON.stringify(steps)}\n${server.output().slice(-3000)}`);
  });
}

/** Each task's whole output (all steps), by task index. */
async function outputs(server: DevServer, slug: string, jobNumber: number): Promise<string[]> {
  const [vcs, org, repo] = slug.split('/');
  const detail = await server.api('GET', `/api/v1.1/project/${vcs}/${org}/${repo}/${jobNumber}`);
  const byTask: string[] = [];
  for (const step of detail.body.steps) {
    for (const action of step.actions) {
      const messages = (await (await fetch(action.output_url)).json()) as Array<{ message: string }>;
      byTask[action.index] = (byTask[action.index] ?? '') + `[${step.name}]\n` + messages.map((m) => m.message).join('');
    }
  }
  return byTask;
}

describe('agent steps (slipway dev end to end)', () => {
  let server: DevServer;
  const repo = createTestRepo({ '.circleci/config.yml': BUILD, 'lock.txt': 'v1' });
  const slug = 'gh/acme/agent-steps';
  const secret = 's3cr3t-Value-42';

  beforeAll(async () => {
    server = await startDevServer();
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
    expect((await server.api('POST', `/api/v2/project/${slug}/envvar`, { name: 'MY_SECRET', value: secret })).status).toBe(201);
  }, 90_000);
  afterAll(async () => server?.stop());

  it('saves a cache, then hits it on the second run; flows a workspace; stores artifacts and test results; masks secrets', async () => {
    const first = await runPipeline(server, slug);
    const build0 = first.jobs.find((j) => j.name === 'build');
    if (build0.status !== 'success') throw new Error((await outputs(server, slug, build0.job_number))[0]);
    expect(first.jobs.map((j) => [j.name, j.status])).toEqual(
      expect.arrayContaining([
        ['build', 'success'],
        ['use', 'success'],
      ]),
    );
    const build1 = first.jobs.find((j) => j.name === 'build');
    const out1 = (await outputs(server, slug, build1.job_number))[0];
    expect(out1).toMatch(/No cache is found for keys: deps-\S+-main, deps-/);
    expect(out1).toMatch(/Stored cache deps-/);
    expect(out1).toContain('the secret is ******** and ********');
    expect(out1).not.toContain(secret);
    expect(out1).not.toContain(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
    expect(out1).toContain('sh sees sourced');
    const use1 = first.jobs.find((j) => j.name === 'use');
    expect((await outputs(server, slug, use1.job_number))[0]).toContain('workspace has artifact-bytes- and nested');

    const artifacts = await server.api('GET', `/api/v2/project/${slug}/${build1.job_number}/artifacts`);
    expect(artifacts.status).toBe(200);
    expect(artifacts.body.items.map((a: any) => [a.path, a.node_index])).toEqual([
      ['outputs/a.bin', 0],
      ['outputs/sub/n.txt', 0],
    ]);
    const bytes = Buffer.from(await (await fetch(artifacts.body.items[0].url)).arrayBuffer());
    expect(bytes).toEqual(Buffer.from('artifact-bytes-\u0001\u0002'));

    const tests = await server.api('GET', `/api/v2/project/${slug}/${build1.job_number}/tests`);
    expect(tests.body).toEqual({
      items: [
        { classname: 'A', name: 'passes', file: 'spec/a_spec.rb', result: 'success', run_time: 0.25, message: '', source: 'unknown' },
        { classname: 'A', name: 'fails', file: 'spec/b_spec.rb', result: 'failure', run_time: 1.5, message: 'expected 1\nboom', source: 'unknown' },
        { classname: 'B', name: 'skipped', file: 'spec/a_spec.rb', result: 'skipped', run_time: 0, message: '', source: 'unknown' },
      ],
      next_page_token: null,
    });

    const second = await runPipeline(server, slug);
    const build2 = second.jobs.find((j) => j.name === 'build');
    const out2 = (await outputs(server, slug, build2.job_number))[0];
    expect(out2).toContain(`CACHE HIT: from build ${build1.job_number}`);
    expect(out2).toMatch(/Skipping cache generation, cache already exists for key: deps-\S+-main/);
  }, 120_000);

  it('runs on_fail and always steps after a failure, keeps artifacts, and ends a silent step as timedout', async () => {
    repo.commit({ '.circleci/config.yml': FAILING }, 'failing');
    const { jobs } = await runPipeline(server, slug);
    const fails = jobs.find((j) => j.name === 'fails');
    const silent = jobs.find((j) => j.name === 'silent');
    expect(fails.status).toBe('failed');
    expect(silent.status).toBe('timedout');
    const out = (await outputs(server, slug, fails.job_number))[0];
    expect(out).toContain('about to fail');
    expect(out).not.toContain('on_success step ran');
    expect(out).toContain('on_fail step ran');
    expect(out).toContain('always step ran');
    const artifacts = await server.api('GET', `/api/v2/project/${slug}/${fails.job_number}/artifacts`);
    expect(artifacts.body.items.map((a: any) => a.path)).toEqual(['keep/k.txt']);
    expect((await outputs(server, slug, silent.job_number))[0]).toMatch(/start\s+Too long with no output \(exceeded 2s\)/);
    // Each step that did not succeed says why, in CircleCI's v1.1 action shape (status, failed, timedout, infrastructure_fail, canceled).
    const unsuccessful = async (jobNumber: number) => {
      const detail = await server.api('GET', `/api/v1.1/project/${slug}/${jobNumber}`);
      const actions = detail.body.steps.map((s: any) => s.actions[0]).filter((a: any) => a.status !== 'success');
      return actions.map((a: any) => ['status', 'failed', 'timedout', 'infrastructure_fail', 'canceled'].map((k) => a[k]));
    };
    expect(await unsuccessful(fails.job_number)).toEqual([['failed', true, null, null, null]]);
    expect(await unsuccessful(silent.job_number)).toEqual([['timedout', true, true, null, null]]);
  }, 120_000);

  it('balances parallelism 3 with circleci tests split --split-by=timings using the previous run', async () => {
    const durations = [10, 9, 8, 3, 2, 1];
    repo.commit({ '.circleci/config.yml': SPLIT, ...Object.fromEntries(durations.map((d, i) => [`tests/t${i + 1}.test`, String(d)])) }, 'split');
    const totals = async () => {
      const { jobs } = await runPipeline(server, slug);
      expect(jobs[0].status).toBe('success');
      const outs = await outputs(server, slug, jobs[0].job_number);
      expect(outs).toHaveLength(3);
      return outs.map((o, i) => Number(new RegExp(`NODE ${i} TOTAL=(\\d+)`).exec(o)?.[1]));
    };
    const byName = await totals();
    expect(byName).toEqual([13, 11, 9]);
    expect(await totals()).toEqual([11, 11, 11]);
  }, 120_000);
});
