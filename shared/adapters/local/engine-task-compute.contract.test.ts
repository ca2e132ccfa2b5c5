import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeWithEngine, docker, type TestEngine } from '../../../test/support/container-engine';
import { BASE_USERS, buildRootfsImage, busyboxRootfs } from '../../../local/rootfs-image';
import { OWNER_PID_LABEL, TASK_LABEL, ownerLabels } from '../../container/container-engine';
import { FARGATE_TASK_LAYOUT } from '../../model/resource-classes';
import { contractTask, defineJobComputeContract } from '../../ports/job-compute.contract';
import { launchToken } from '../../model/compute-launch';
import { EngineTaskCompute } from './engine-task-compute';
import { HostProcessCompute } from './host-process-compute';

jest.setTimeout(120_000);

/** Marks the container the contract's bystander runs in (it carries a task label of this adapter's form). */
const BYSTANDER_LABEL = 'io.slipway.test-bystander';

/**
 * A stand-in for the agent image: busybox, whose `node` waits until it is stopped. The task's containers that
 * run the agent image (the namespace owner runs `node -e <relay>`, the agent sidecar its entry point) stay up
 * until the adapter removes them, instead of the real agent exiting when it finds no control plane.
 */
function idleAgentImage(engine: TestEngine): string {
  const base = busyboxRootfs();
  return buildRootfsImage(
    {
      repository: 'localhost/slipway-test-idle-agent',
      ...base,
      files: {
        ...BASE_USERS,
        '/usr/local/bin/node':
          "#!/bin/sh\n# Waits until stopped, whatever it is asked to run.\ntrap 'exit 0' TERM INT\nwhile :; do sleep 3600 & wait $!; done\n",
      },
      changes: ['ENV PATH=/usr/local/bin:/usr/bin:/bin', 'ENTRYPOINT ["node"]', 'CMD ["agent.cjs"]'],
    },
    engine.env,
  );
}

/** Running containers this process owns: name, task label and whether it is the bystander. */
function ownContainers(engine: TestEngine): Array<{ name: string; task: string; bystander: boolean }> {
  const format = `{{.Names}}\t{{.Label "${TASK_LABEL}"}}\t{{.Label "${BYSTANDER_LABEL}"}}`;
  const out = docker(engine, ['ps', '--filter', `label=${OWNER_PID_LABEL}=${process.pid}`, '--filter', 'status=running', '--format', format]);
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'))
    .map(([name, task, bystander]) => ({ name, task, bystander: bystander === 'yes' }));
}

/** Resolves once `check` holds, polling the engine state; fails after `ms` saying what was awaited. */
async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describeWithEngine('EngineTaskCompute on a real container engine', (engine) => {
  const agentImage = idleAgentImage(engine);
  const busyboxTask = { type: 'docker' as const, resourceClass: 'medium', images: [{ image: engine.images.busybox, environment: {} }] };

  defineJobComputeContract('EngineTaskCompute (Fargate-style tasks on a container engine)', async () => {
    // Job ids unique to this fixture: task names derive from (job, task, attempt), and other runs share the engine.
    const run = randomBytes(4).toString('hex');
    const fallback = new HostProcessCompute({
      agentCommand: [process.execPath, '-e', 'process.exit(0)'],
      workRoot: mkdtempSync(join(tmpdir(), 'engine-contract-')),
    });
    const compute = new EngineTaskCompute({ agentImage, env: engine.env, fallback, loopbackPorts: () => [] });
    // A task of this adapter's form (a namespace owner named as the adapter names them) that it did not start.
    const other = `slipway-task-${randomBytes(6).toString('hex')}`;
    const labels = Object.entries({ ...ownerLabels(other), [BYSTANDER_LABEL]: 'yes' }).flatMap(([k, v]) => ['--label', `${k}=${v}`]);
    docker(engine, ['run', '-d', '--name', `${other}-pause`, ...labels, agentImage]);
    const taskRunning = (task: string) => ownContainers(engine).some((c) => c.task === task && !c.bystander);
    const build = contractTask(busyboxTask, { controlPlaneUrl: 'http://127.0.0.1:1' });
    return {
      compute,
      task: (key) => build({ ...key, jobId: `${key.jobId}-${run}` }),
      // A task runs while its essential container (the agent sidecar) does, as on ECS.
      running: async () =>
        new Set(
          ownContainers(engine)
            .filter((c) => !c.bystander && c.name === `${c.task}-${FARGATE_TASK_LAYOUT.agentContainer}`)
            .map((c) => c.task),
        ).size,
      ended: (id) => until(`no container of ${id} runs`, () => !taskRunning(id.slice('engine:'.length))),
      unknownId: `engine:slipway-task-${'0'.repeat(12)}`,
      bystander: { computeId: `engine:${other}`, alive: async () => ownContainers(engine).some((c) => c.name === `${other}-pause`) },
      async close() {
        await compute.stopAll();
        fallback.stopAll();
        docker(engine, ['rm', '-f', `${other}-pause`]);
      },
    };
  });

  describe('EngineTaskCompute launches and stops that overlap', () => {
    const build = contractTask(busyboxTask, { controlPlaneUrl: 'http://127.0.0.1:1' });
    const task = (jobId: string) => build({ jobId: `${jobId}-${randomBytes(4).toString('hex')}` });
    const fallback = new HostProcessCompute({
      agentCommand: [process.execPath, '-e', 'process.exit(0)'],
      workRoot: mkdtempSync(join(tmpdir(), 'engine-overlap-')),
    });
    const computes: EngineTaskCompute[] = [];
    const make = (image = agentImage) => {
      const compute = new EngineTaskCompute({ agentImage: image, env: engine.env, fallback, loopbackPorts: () => [] });
      computes.push(compute);
      return compute;
    };
    afterEach(async () => {
      await Promise.all(computes.splice(0).map((c) => c.stopAll()));
    });
    afterAll(() => fallback.stopAll());

    const containersOf = (computeId: string) => ownContainers(engine).filter((c) => c.task === computeId.slice('engine:'.length));

    it('a repeat launch while the first is starting returns once the task started, so a stop then removes all of it', async () => {
      const compute = make();
      const t = task('job-repeat-stop');
      const first = compute.launch(t);
      const { computeId } = await compute.launch(t);
      expect(
        containersOf(computeId)
          .map((c) => c.name)
          .sort(),
      ).toEqual(['agent', 'pause', 'primary'].map((n) => `${computeId.slice('engine:'.length)}-${n}`));
      await compute.stop(computeId, 'canceled');
      await expect(first).resolves.toEqual({ computeId });
      expect(containersOf(computeId)).toEqual([]);
    });

    it('a stop while the task is starting removes it once all its containers exist, and the launch still resolves', async () => {
      const compute = make();
      const t = task('job-stop-starting');
      const launching = compute.launch(t);
      const computeId = `engine:slipway-task-${launchToken(t).slice(0, 12)}`;
      await compute.stop(computeId, 'canceled');
      await expect(launching).resolves.toEqual({ computeId });
      expect(containersOf(computeId)).toEqual([]);
    });

    it('a repeat launch while the first is starting fails with it when the task cannot start', async () => {
      const compute = make('localhost/slipway-test-missing:none');
      const t = task('job-no-image');
      const launches = await Promise.allSettled([compute.launch(t), compute.launch(t)]);
      expect(launches.map((l) => l.status)).toEqual(['rejected', 'rejected']);
      // Nothing of it stays: no container, and not the runtime's task network either.
      expect(containersOf(`engine:slipway-task-${launchToken(t).slice(0, 12)}`)).toEqual([]);
      expect(docker(engine, ['network', 'ls', '--filter', `label=${OWNER_PID_LABEL}=${process.pid}`, '--format', '{{.Name}}']).trim()).toBe('');
    });
  });
});
