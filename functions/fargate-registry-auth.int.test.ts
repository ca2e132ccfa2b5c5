import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerImage } from '../shared/config/plan';
import { EcsFargateCompute } from '../shared/adapters/aws/ecs-fargate-compute';
import { SecretsManagerRegistryCredentials } from '../shared/adapters/aws/secrets-manager-registry-credentials';
import { LocalKeyCipher } from '../shared/adapters/local/local-key-cipher';
import { LocalOidcSigningKey } from '../shared/adapters/local/local-oidc-signing-key';
import { aJob, aJobPlan, aPipeline, aProject, aWorkflow } from '../shared/model/fixtures';
import { dispatchTask } from '../shared/services/jobs/dispatch-task';
import { imagesWithStoredCredentials } from '../shared/services/jobs/fargate-registry-credentials';
import { createTestResources, resourceEnvironment } from '../test/support/aws';
import { FakeEcs } from '../test/support/fake-aws-compute';
import { FakeSecretsManager } from '../test/support/fake-secrets-manager';
import { assembleDeps, coreStores } from './assemble-deps';
import { readEnv } from './env';

const PREFIX = 'slipway/Slipway/registry/';

/** The dispatcher as the AWS composition root wires it (stores on the emulators), with ECS and Secrets Manager at the request level. */
async function setup() {
  const r = await createTestResources();
  const ecs = new FakeEcs();
  const secrets = new FakeSecretsManager();
  const base = ecs.registerAgentBase('Slipway-job-medium', { executionRoleArn: 'arn:aws:iam::111122223333:role/exec' });
  const env = readEnv({ ...resourceEnvironment(r), PUBLIC_URL: 'https://ci.example.com', REGISTRY_CREDENTIALS_PREFIX: PREFIX });
  const dir = mkdtempSync(join(tmpdir(), 'slipway-registry-auth-'));
  const cipher = new LocalKeyCipher(randomBytes(32));
  const deps = await assembleDeps(env, r.clients, coreStores(r.clients, env), {
    signingKey: randomBytes(32),
    cipher,
    oidcKey: new LocalOidcSigningKey(join(dir, 'oidc.json')),
    compute: new EcsFargateCompute(ecs.client(), { cluster: 'slipway', subnets: ['subnet-a'], securityGroups: ['sg-1'], taskDefinitions: { medium: base } }),
    registryCredentials: new SecretsManagerRegistryCredentials(secrets.client(), env.REGISTRY_CREDENTIALS_PREFIX!),
    orbResolvers: [],
    gitDir: dir,
    local: false,
  });
  const project = aProject({ slug: `gh/acme/app-${randomBytes(4).toString('hex')}` });
  await deps.projects.createProject(project);
  const setVar = async (name: string, value: string) =>
    deps.projects.putEnvVar(project.slug, { name, encryptedValue: await cipher.encrypt(value), createdAt: new Date().toISOString() });
  /** Queues a docker job with these images; resolves its dispatch message. */
  const queue = async (images: DockerImage[], resourceClass = 'medium') => {
    const pipeline = aPipeline({ projectSlug: project.slug });
    await deps.pipelines.createPipeline(pipeline);
    const workflow = aWorkflow({ pipelineId: pipeline.id, projectSlug: project.slug });
    const plan = aJobPlan({ executor: { type: 'docker', resourceClass, images } });
    const job = aJob(workflow, { plan, status: 'queued', tasks: [{ index: 0, status: 'queued', attempt: 1, steps: [] }] });
    await deps.pipelines.createWorkflow(workflow, [job]);
    return { deps, job, msg: { workflowId: workflow.id, jobId: job.id, taskIndex: 0, attempt: 1 } };
  };
  return { deps, ecs, secrets, setVar, queue };
}

const privateImage = (password = '$REGISTRY_PASSWORD'): DockerImage => ({
  image: 'registry.example.com/team/builder:1',
  environment: {},
  auth: { username: 'robot', password },
});

describe('the dispatcher with docker images that have auth (Fargate, Secrets Manager)', () => {
  it('stores the login in a tagged secret under the stack prefix and references it from the task definition, never the password', async () => {
    const { ecs, secrets, setVar, queue } = await setup();
    await setVar('REGISTRY_PASSWORD', 'hunter2-registry-password');
    const { deps, msg } = await queue([
      privateImage(),
      { image: 'cimg/postgres:16.2', environment: {}, auth: { username: 'robot', password: '${REGISTRY_PASSWORD}' } },
    ]);
    await dispatchTask(deps, msg);

    const creates = secrets.requests.filter((q) => q.command === 'CreateSecret');
    expect(creates).toHaveLength(2); // one per (project, registry, user): registry.example.com and docker.io
    const [created] = creates;
    expect(created.input.Name.startsWith(PREFIX)).toBe(true);
    expect(created.input.Name.slice(PREFIX.length)).toMatch(/^[0-9a-f]{40}$/);
    expect(created.input.Tags).toEqual([{ Key: 'slipway:registry-credentials', Value: 'registry.example.com' }]);
    expect(JSON.parse(secrets.current(created.input.Name)!)).toEqual({ username: 'robot', password: 'hunter2-registry-password' });

    const registered = [...ecs.definitions.values()].flat().find((d) => d.family !== 'Slipway-job-medium')!;
    const [, primary, service] = registered.containerDefinitions!;
    expect(primary).toMatchObject({
      image: 'registry.example.com/team/builder:1',
      repositoryCredentials: { credentialsParameter: secrets.secrets.get(created.input.Name)!.arn },
    });
    expect(service.repositoryCredentials?.credentialsParameter).toMatch(
      /^arn:aws:secretsmanager:.*:secret:slipway\/Slipway\/registry\/[0-9a-f]{40}-[0-9a-f]{6}$/,
    );
    expect(ecs.tasks).toHaveLength(1);
    // Neither the password nor the variable's name reach ECS (RegisterTaskDefinition, RunTask).
    const sentToEcs = JSON.stringify([registered, ecs.tasks.map((t) => t.request)]);
    expect(sentToEcs).not.toContain('hunter2');
    expect(sentToEcs).not.toContain('REGISTRY_PASSWORD');
    expect(sentToEcs).not.toContain('"auth"');
  });

  it('adds no secret version for an unchanged login, and updates the same secret when the password changes', async () => {
    const { ecs, secrets, setVar, queue } = await setup();
    await setVar('REGISTRY_PASSWORD', 'first-password');
    for (let i = 0; i < 2; i++) {
      const { deps, msg } = await queue([privateImage()]);
      await dispatchTask(deps, msg);
    }
    const [name] = secrets.secrets.keys();
    expect(secrets.secrets.size).toBe(1);
    expect(secrets.secrets.get(name)!.versions).toHaveLength(1);
    await setVar('REGISTRY_PASSWORD', 'second-password');
    const { deps, msg } = await queue([privateImage()]);
    await dispatchTask(deps, msg);
    expect(secrets.secrets.size).toBe(1);
    expect(JSON.parse(secrets.current(name)!).password).toBe('second-password');
    // The same secret ARN: the derived task definition is reused.
    const derived = [...ecs.definitions.keys()].filter((f) => f !== 'Slipway-job-medium');
    expect(derived).toHaveLength(1);
    expect(ecs.tasks).toHaveLength(3);
  });

  it('fails the task, naming the variable, when an auth value uses a variable the project does not set; nothing is stored or run', async () => {
    const { ecs, secrets, queue } = await setup();
    const { deps, msg } = await queue([privateImage('$MISSING_PASSWORD')]);
    await dispatchTask(deps, msg);
    const job = await deps.pipelines.getJob(msg.workflowId, msg.jobId);
    expect(job!.tasks[0].status).toBe('failed');
    expect(job!.message).toMatch(/auth\.password of image registry\.example\.com\/team\/builder:1 uses \$MISSING_PASSWORD, which is not set/);
    expect(secrets.requests).toEqual([]);
    expect(ecs.tasks).toEqual([]);
  });

  it("stores nothing for a self-hosted runner's class, whose agent pulls with the login in its job spec", async () => {
    const { secrets, setVar, queue } = await setup();
    await setVar('REGISTRY_PASSWORD', 'runner-password');
    const { deps, job } = await queue([privateImage()], 'acme/builders');
    await expect(imagesWithStoredCredentials(deps, job, 0)).resolves.toEqual({ images: job.plan.executor.images });
    expect(secrets.requests).toEqual([]);
  });
});
