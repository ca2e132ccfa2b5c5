import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createTestRepo } from '../support/git-repo';
import { describeWithEngine, docker, leftovers, slipwayResources, type TestEngine } from '../support/container-engine';
import { startDevServer, waitFor, type DevServer } from '../support/dev-server';
import { jobOutput, jobsOf } from './control-plane-support';

jest.setTimeout(240_000);

const config = (engine: TestEngine) => `version: 2.1
jobs:
  slow:
    docker: [{ image: ${engine.images.busybox} }, { image: ${engine.images.pong}, name: db }]
    steps:
      - run: echo started; sleep 300
  quick:
    docker: [{ image: ${engine.images.busybox} }]
    steps:
      - run: echo quick
workflows:
  slow: { jobs: [slow] }
  quick: { jobs: [quick] }
`;

/** The name of the running task's primary container once its step runs `sleep 300`. */
const stepRunning = (engine: TestEngine, name: RegExp, label = 'io.slipway.task') =>
  waitFor(async () => {
    const primary = docker(engine, ['ps', '--filter', `label=${label}`, '--format', '{{.Names}}'])
      .split('\n')
      .find((n) => name.test(n));
    return primary && docker(engine, ['exec', primary, 'ps', '-o', 'args']).includes('sleep 300') ? primary : undefined;
  }, 'the step to run in the primary container');

const TERMINAL_JOB = ['success', 'failed', 'canceled', 'infrastructure_fail', 'timedout', 'not_run'];

/** The workflow of a pipeline named `name` (a pipeline here runs two) once its jobs satisfy `done`. */
const workflowNamed = (server: DevServer, pipelineId: string, name: string, done: (jobs: Record<string, any>) => unknown) =>
  waitFor(
    async () => {
      const wf = (await server.api('GET', `/api/v2/pipeline/${pipelineId}/workflow`)).body.items.find((w: { name: string }) => w.name === name);
      const jobs = wf && (await jobsOf(server, wf.id));
      return jobs && done(jobs) ? { workflow: wf, jobs } : undefined;
    },
    `the ${name} workflow of pipeline ${pipelineId}`,
    120_000,
  );

describeWithEngine('docker jobs on a real engine: cancel and killed agents leave nothing behind', (engine) => {
  const servers: DevServer[] = [];
  afterAll(async () => Promise.all(servers.map((s) => s.stop())));

  async function start(mode: 'task' | 'executor', files = { '.circleci/config.yml': config(engine) }) {
    // A short lease: the agent's heartbeat (which carries the cancel) comes every 2 s.
    const server = await startDevServer({ env: { ...(engine.env as Record<string, string>), SLIPWAY_DOCKER_JOBS: mode, SLIPWAY_LEASE_SECONDS: '6' } });
    servers.push(server);
    const slug = `gh/acme/faults-${mode}`;
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: createTestRepo(files).url })).status).toBe(201);
    return { server, slug };
  }

  it('removes every container, volume and network of a Fargate task canceled mid-step', async () => {
    const { server, slug } = await start('task');
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    await stepRunning(engine, /-primary$/, `io.slipway.owner-pid=${server.process.pid}`);
    const workflows = await server.api('GET', `/api/v2/pipeline/${trigger.body.id}/workflow`);
    const slow = workflows.body.items.find((w: { name: string }) => w.name === 'slow');
    expect((await server.api('POST', `/api/v2/workflow/${slow.id}/cancel`)).status).toBe(202);
    // Nothing of the task is left (the runtime's own network stays while it runs).
    await waitFor(async () => {
      const left = slipwayResources(engine, `io.slipway.owner-pid=${server.process.pid}`)
        .map((r) => r.name)
        .filter((n) => n.startsWith('slipway-task-'));
      if (left.length) throw new Error(`still there: ${left.join(' ')}`);
      return true;
    }, 'the canceled task to be removed');
    await server.stop();
    expect(leftovers(engine)).toEqual([]);
  });

  it('sweeps the containers of an agent killed mid-job when the next docker job starts (docker executor)', async () => {
    const { server, slug } = await start('executor');
    const first = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    // This run's task only (a stale container of an interrupted run, or another suite's, is not it): the
    // docker executor names a task's containers after the job's id.
    const slow = await workflowNamed(server, first.body.id, 'slow', (jobs) => jobs.slow?.id);
    const primary = await stepRunning(engine, new RegExp(`^slipway-${slow.jobs.slow.id.slice(0, 8)}-0-0-\\d+-0$`));
    const task = docker(engine, ['inspect', '--format', '{{index .Config.Labels "io.slipway.task"}}', primary]).trim();
    const owner = Number(docker(engine, ['inspect', '--format', '{{index .Config.Labels "io.slipway.owner-pid"}}', primary]).trim());
    process.kill(owner, 'SIGKILL');
    expect(leftovers(engine, `io.slipway.task=${task}`).length).toBeGreaterThan(0);
    const next = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const quick = await workflowNamed(server, next.body.id, 'quick', (jobs) => TERMINAL_JOB.includes(jobs.quick?.status));
    expect(quick.jobs.quick.status).toBe('success');
    // It ran in a container (a busy engine's slow answer to the agent's probe once sent it to the host).
    expect(await jobOutput(server, slug, quick.jobs.quick.job_number)).toContain(`Starting container ${engine.images.busybox} (primary)`);
    // The sweeps of the jobs started after the kill (this one and the killed job's retry) remove everything; a
    // removal in flight in one of them can make the other's skip a network, so what is left is observed until gone.
    await waitFor(
      async () => (leftovers(engine, `io.slipway.task=${task}`).length === 0 ? true : undefined),
      "the killed agent's containers and network to be swept",
    );
    await server.stop();
  });

  it("stops and removes a job's own remote Docker engine (setup_remote_docker) when the job is canceled mid-step, with its containers", async () => {
    if (!engine.images.dockerCli) return void process.stderr.write('setup_remote_docker cancel test skipped: the docker CLI here is not a static binary\n');
    const remote = `version: 2.1
jobs:
  remote:
    docker: [{ image: ${engine.images.dockerCli} }]
    steps:
      - setup_remote_docker
      - run: |
          tar -C / -c bin etc | docker import - localhost/slipway-remote-cancel:1
          docker run -d --name inner-running localhost/slipway-remote-cancel:1 sh -c 'while :; do sleep 1; done'
          sleep 300
workflows:
  remote: { jobs: [remote] }
`;
    const { server, slug } = await start('executor', { '.circleci/config.yml': remote });
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const { workflow, jobs } = await workflowNamed(server, trigger.body.id, 'remote', (j) => j.remote?.job_number);
    // The engine's folder, from the setup step's output; then the job's container running in that engine.
    const folder = await waitFor(
      async () => /started for this job in (\S+) /.exec(await jobOutput(server, slug, jobs.remote.job_number))?.[1],
      'the remote engine',
    );
    const inner = { ...engine, env: { ...engine.env, DOCKER_HOST: `unix://${folder}/sock/docker.sock` } };
    await waitFor(
      async () => (docker(inner, ['ps', '--format', '{{.Names}}']).includes('inner-running') ? true : undefined),
      'the container in the remote engine',
    );
    expect(docker(engine, ['ps', '-a', '--format', '{{.Names}}'])).not.toContain('inner-running');
    expect((await server.api('POST', `/api/v2/workflow/${workflow.id}/cancel`)).status).toBe(202);
    const engineProcesses = () =>
      spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
        .stdout.split('\n')
        .filter((p) => p.includes(`${folder}/`));
    await waitFor(async () => (!existsSync(folder) && engineProcesses().length === 0 ? true : undefined), "the canceled job's engine to be removed");
    // Its container went with it (a container left running would keep a conmon process naming the folder).
    expect(engineProcesses()).toEqual([]);
    await server.stop();
  });
});
