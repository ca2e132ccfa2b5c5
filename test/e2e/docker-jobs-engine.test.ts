import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTestRepo } from '../support/git-repo';
import { describeWithEngine, docker, leftovers, type TestEngine } from '../support/container-engine';
import { startDevServer, type DevServer } from '../support/dev-server';
import { jobOutput, workflowOf } from './control-plane-support';

jest.setTimeout(240_000);

/** Waits for a one-line answer of the tiny TCP service (it restarts `nc` between connections). */
const ask = (host: string, port: number) => `until out=$(nc ${host} ${port} </dev/null 2>/dev/null) && [ -n "$out" ]; do sleep 0.1; done; echo "$out"`;

/** The job both paths run: a locally built primary, a service with command/user/environment, parallelism 2. */
const job = (engine: TestEngine, extraSteps = '') => `version: 2.1
jobs:
  build:
    parallelism: 2
    docker:
      - image: ${engine.images.busybox}
        environment: { FROM_IMAGE: primary-env }
      - image: ${engine.images.pong}
        name: db
        command: ["7001"]
        user: circleci
        environment: { PONG_GREETING: hello }
    environment: { JOB_VAR: job-env }
    working_directory: ~/app
    steps:${extraSteps}
      - run: cat /etc/slipway-test-image
      - run: echo "$FROM_IMAGE $JOB_VAR $(basename $(pwd)) node $CIRCLE_NODE_INDEX of $CIRCLE_NODE_TOTAL"
      - run: |
          ${ask('localhost', 7001)}
          ${ask('db', 7001)}
      - run: mkdir -p out && echo "from $CIRCLE_NODE_INDEX" > out/n$CIRCLE_NODE_INDEX.txt
      - persist_to_workspace: { root: out, paths: ["*.txt"] }
      - save_cache: { key: 'c-{{ .Environment.CIRCLE_NODE_INDEX }}-{{ .Environment.CIRCLE_WORKFLOW_ID }}', paths: [out] }
  after:
    docker: [{ image: ${engine.images.busybox} }]
    working_directory: ~/app
    steps:
      - attach_workspace: { at: ws }
      - restore_cache: { keys: ['c-1-{{ .Environment.CIRCLE_WORKFLOW_ID }}'] }
      - run: cat ws/n0.txt ws/n1.txt out/n1.txt
workflows:
  main: { jobs: [build, { after: { requires: [build] } }] }
`;

/** A job's steps as the v1.1 job detail gives them: name, each parallel run's status and output. */
async function stepsOf(server: DevServer, slug: string, jobNumber: number) {
  const [vcs, org, repo] = slug.split('/');
  const detail = await server.api('GET', `/api/v1.1/project/${vcs}/${org}/${repo}/${jobNumber}`);
  const steps = [];
  for (const step of detail.body.steps as Array<{ name: string; actions: Array<{ status: string; index: number; output_url: string }> }>) {
    const runs = [];
    for (const a of [...step.actions].sort((x, y) => x.index - y.index)) {
      const messages = (await (await fetch(a.output_url)).json()) as Array<{ message: string }>;
      runs.push({ status: a.status, output: messages.map((m) => m.message).join('') });
    }
    steps.push({ name: step.name, runs });
  }
  return steps;
}

describeWithEngine('docker jobs on a real container engine (slipway dev)', (engine) => {
  const servers: DevServer[] = [];
  afterAll(async () => Promise.all(servers.map((s) => s.stop())));

  async function start(
    mode: 'task' | 'executor',
    files: Record<string, string>,
    slug = `gh/acme/docker-${mode}`,
    env: Record<string, string> = {},
    prepare?: (repoDir: string) => void,
  ) {
    const server = await startDevServer({ env: { ...(engine.env as Record<string, string>), SLIPWAY_DOCKER_JOBS: mode, ...env } });
    servers.push(server);
    const repo = createTestRepo(files);
    prepare?.(repo.dir);
    expect((await server.api('POST', `/api/v2/project/${slug}`, { repo_url: repo.url })).status).toBe(201);
    return { server, slug };
  }

  async function runJob(mode: 'task' | 'executor', files: Record<string, string>, prepare?: (repoDir: string) => void) {
    const { server, slug } = await start(mode, files, undefined, undefined, prepare);
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const { jobs } = await workflowOf(server, trigger.body.id).catch(async (e) => {
      // What the runtime said helps more than the timeout alone (an engine refusing a command, a job never started).
      process.stderr.write(`slipway dev output (last 3000 characters):\n${server.output().slice(-3000)}\n`);
      throw e;
    });
    return { server, slug, jobs };
  }

  it('runs a docker job as a Fargate task from its task definition and with the docker executor, with the same steps and output', async () => {
    const files = { '.circleci/config.yml': job(engine) };
    const task = await runJob('task', files);
    const executor = await runJob('executor', files);
    for (const { server, slug, jobs } of [task, executor]) {
      const out = await jobOutput(server, slug, jobs.build.job_number);
      expect(jobs.build.status).toBe('success');
      expect(out).toContain('built for the Slipway tests');
      expect(out).toContain('primary-env job-env app node 0 of 2');
      expect(out).toContain('primary-env job-env app node 1 of 2');
      expect(out).toContain('pong from circleci hello\npong from circleci hello\n');
      expect(await jobOutput(server, slug, jobs.after.job_number)).toContain('from 0\nfrom 1\nfrom 1\n');
      expect(jobs.after.status).toBe('success');
    }
    // Same steps, statuses and `run` output on both paths (the executor path adds "Spin up environment"; the
    // workspace and cache messages name the task's folders, which differ).
    const comparable = async (r: typeof task) =>
      (await stepsOf(r.server, r.slug, r.jobs.build.job_number))
        .filter((s) => s.name !== 'Spin up environment')
        .map((s) => ({ name: s.name, runs: s.runs.map((x) => ({ status: x.status, output: /^(Persisting|Saving)/.test(s.name) ? '' : x.output })) }));
    expect(await comparable(executor)).toEqual(await comparable(task));
    const spinUp = (await stepsOf(executor.server, executor.slug, executor.jobs.build.job_number))[0];
    expect(spinUp.name).toBe('Spin up environment');
    expect(spinUp.runs[0].output).toContain(`Using image ${engine.images.pong} from the local engine`);
    await Promise.all([task.server.stop(), executor.server.stop()]);
    expect(leftovers(engine)).toEqual([]);
  });

  it("checks out a file:// project and runs the steps as the primary image's user, as a Fargate task and with the docker executor", async () => {
    const config = `version: 2.1
jobs:
  build:
    docker: [{ image: ${engine.images.busybox}, user: circleci }]
    steps:
      - checkout
      - run: cat marker.txt /etc/slipway-test-image; echo "uid $(id -u) $(id -un)"
workflows:
  main: { jobs: [build] }
`;
    const files = { '.circleci/config.yml': config, 'marker.txt': 'from the repository\n' };
    for (const mode of ['task', 'executor'] as const) {
      // The task's agent reads the repository as the primary image's user: readable, as a repository in a home
      // folder usually is (mkdtemp's 0700 is refused with a note saying so).
      const { server, slug, jobs } = await runJob(mode, files, (dir) => chmodSync(dir, 0o755));
      const out = await jobOutput(server, slug, jobs.build.job_number);
      expect({ mode, status: jobs.build.status, out }).toEqual({ mode, status: 'success', out: expect.stringContaining('uid 3434') });
      expect(out).toContain('from the repository\nbuilt for the Slipway tests\nuid 3434 circleci\n');
      await server.stop();
    }
    expect(leftovers(engine)).toEqual([]);
  });

  it("logs the engine in to a private ECR registry with the token aws_auth's access key gets, masked (docker executor)", async () => {
    // ECR has no emulator here: a fake answers GetAuthorizationToken (the SDK's side is in ecr-registry-tokens.int.test.ts).
    const seen: IncomingHttpHeaders[] = [];
    const ecr = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        seen.push(req.headers);
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ authorizationData: [{ authorizationToken: Buffer.from('AWS:ecr-token-c0ffee').toString('base64') }] }));
      });
    });
    await new Promise<void>((r) => ecr.listen(0, '127.0.0.1', r));
    const image = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/slipway-private/app:1';
    const config = `version: 2.1
jobs:
  build:
    docker:
      - image: ${image}
        aws_auth: { aws_access_key_id: $ECR_KEY_ID, aws_secret_access_key: $ECR_SECRET }
    steps:
      - run: echo never
workflows:
  main: { jobs: [build] }
`;
    const { server, slug } = await start('executor', { '.circleci/config.yml': config }, 'gh/acme/docker-ecr', {
      AWS_ENDPOINT_URL_ECR: `http://127.0.0.1:${(ecr.address() as AddressInfo).port}`,
    });
    for (const [name, value] of [
      ['ECR_KEY_ID', 'AKIAPROJECTKEY'],
      ['ECR_SECRET', 'project-secret'],
    ]) {
      expect((await server.api('POST', `/api/v2/project/${slug}/envvar`, { name, value })).status).toBe(201);
    }
    const trigger = await server.api('POST', `/api/v2/project/${slug}/pipeline`, { branch: 'main' });
    const { jobs } = await workflowOf(server, trigger.body.id);
    ecr.close();
    expect(seen).toHaveLength(1);
    expect(seen[0]['x-amz-target']).toBe('AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken');
    expect(seen[0].authorization).toMatch(/Credential=AKIAPROJECTKEY\/\d{8}\/eu-west-1\/ecr\/aws4_request/);
    // The engine was asked to log in to the image's registry with that token (no registry is reachable here, so
    // the login fails there); the token never shows in the output.
    const out = await jobOutput(server, slug, jobs.build.job_number);
    expect(out).toContain(`docker login for ${image} failed`);
    expect(out).toContain('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
    expect(out).not.toContain('ecr-token-c0ffee');
    expect(jobs.build.status).toBe('failed');
    await server.stop();
  });

  it("gives setup_remote_docker an engine of the job's own, separate from the host engine and removed with the job (docker executor)", async () => {
    if (!engine.images.dockerCli) return void process.stderr.write('setup_remote_docker test skipped: the docker CLI here is not a static binary\n');
    const inner = `localhost/slipway-remote-${process.pid}:1`;
    const config = `version: 2.1
jobs:
  build:
    docker: [{ image: ${engine.images.dockerCli} }]
    steps:
      - setup_remote_docker: { docker_layer_caching: true }
      - run: |
          echo "images before: $(docker images -q | wc -l)"
          # No registry here: the job builds an image in its engine from its own busybox.
          tar -C / -c bin etc | docker import - ${inner}
          docker run --name inner-once ${inner} cat /etc/slipway-test-image
          docker run -d --name inner-running ${inner} sh -c 'while :; do sleep 1; done'
          docker images --format 'listed {{.Repository}}:{{.Tag}}'
          docker ps --format 'running {{.Names}}'
      - run: docker ps -a --format 'still {{.Names}}'
workflows:
  main: { jobs: [build] }
`;
    const { server, slug, jobs } = await runJob('executor', { '.circleci/config.yml': config });
    const out = await jobOutput(server, slug, jobs.build.job_number);
    expect(out).toContain("docker_layer_caching is not kept for setup_remote_docker here: the job's own engine starts empty");
    expect(out).toContain('Remote Docker engine: unix:///var/run/slipway-remote-docker/docker.sock');
    // A fresh engine: none of the host engine's images, then the job's own.
    expect(out).toContain('images before: 0');
    expect(out).toContain('built for the Slipway tests');
    expect(out).toContain(`listed ${inner}`);
    expect(out).toContain('running inner-running');
    expect(out).toContain('still inner-once');
    expect(jobs.build.status).toBe('success');
    // The host engine never saw the job's image or containers.
    expect(docker(engine, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).not.toContain(inner);
    expect(docker(engine, ['ps', '-a', '--format', '{{.Names}}'])).not.toMatch(/inner-(once|running)/);
    // After the job, the engine's service is stopped and its folder (storage, socket) removed.
    const folder = /started for this job in (\S+) /.exec(out)![1];
    expect(existsSync(folder)).toBe(false);
    const services = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout.split('\n');
    expect(services.filter((p) => p.includes(`${folder}/`))).toEqual([]);
    await server.stop();
  });
});
