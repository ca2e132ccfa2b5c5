import { randomUUID } from 'node:crypto';
import type { JobPlan } from '../config/plan';
import type { Job, Pipeline, Project, Workflow } from './entities';

/** Builders of valid entities for tests and contract suites. */
export function aPipeline(overrides: Partial<Pipeline> = {}): Pipeline {
  const now = new Date().toISOString();
  return {
    id: randomUUID(),
    projectSlug: 'gh/acme/demo',
    number: 1,
    state: 'pending',
    errors: [],
    trigger: { type: 'api', receivedAt: now, actor: { login: 'admin', avatarUrl: null } },
    vcs: { providerName: 'GitHub', originRepositoryUrl: 'file:///repo', targetRepositoryUrl: 'file:///repo', revision: 'a'.repeat(40), branch: 'main' },
    parameters: {},
    createdAt: now,
    updatedAt: now,
    ...overrides,
  };
}

export function aWorkflow(overrides: Partial<Workflow> = {}): Workflow {
  return {
    id: randomUUID(),
    pipelineId: randomUUID(),
    pipelineNumber: 1,
    projectSlug: 'gh/acme/demo',
    name: 'build',
    status: 'running',
    startedBy: 'admin',
    createdAt: new Date().toISOString(),
    stoppedAt: null,
    version: 0,
    ...overrides,
  };
}

export function aJobPlan(overrides: Partial<JobPlan> = {}): JobPlan {
  return {
    name: 'build',
    definition: 'build',
    type: 'build',
    requires: [],
    contexts: [],
    executor: { type: 'docker', resourceClass: 'medium', images: [{ image: 'cimg/base:stable', environment: {} }] },
    environment: {},
    workingDirectory: '~/project',
    parallelism: 1,
    steps: [{ type: 'run', name: 'hello', command: 'echo hello', environment: {}, background: false, noOutputTimeoutSeconds: 600, when: 'on_success' }],
    ...overrides,
  };
}

export function aJob(workflow: Workflow, overrides: Partial<Job> = {}): Job {
  const plan = overrides.plan ?? aJobPlan({ name: overrides.name ?? 'build' });
  return {
    id: randomUUID(),
    workflowId: workflow.id,
    pipelineId: workflow.pipelineId,
    projectSlug: workflow.projectSlug,
    name: plan.name,
    type: plan.type,
    status: 'blocked',
    dependencies: [],
    plan,
    tasks: Array.from({ length: plan.parallelism }, (_, index) => ({ index, status: 'blocked' as const, attempt: 0, steps: [] })),
    createdAt: new Date().toISOString(),
    infraRetries: 0,
    version: 0,
    ...overrides,
  };
}

export function aProject(overrides: Partial<Project> = {}): Project {
  return {
    id: randomUUID(),
    slug: 'gh/acme/demo',
    name: 'demo',
    organizationName: 'acme',
    organizationSlug: 'gh/acme',
    organizationId: randomUUID(),
    repoUrl: 'file:///repo',
    defaultBranch: 'main',
    settings: { buildPrsOnly: false, buildForkPrs: false, forksReceiveSecrets: false, autoCancelBuilds: false },
    createdAt: new Date().toISOString(),
    ...overrides,
  };
}
