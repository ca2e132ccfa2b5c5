import { environmentMap } from './environment';
import type { ExpandedJob } from './jobs';
import type { DockerImage, ExecutorPlan, JobPlan, StepPlan, StepWhen, WorkflowPlan } from './plan';
import type { Problems } from './problems';
import type { LongStep } from './steps';
import type { ExpandedWorkflow, ExpandedWorkflowJob } from './workflows';

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const strMap = (v: unknown): Record<string, string> =>
  isMap(v) ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, x === null ? '' : String(x)])) : {};
const strList = (v: unknown): string[] => (v === undefined || v === null ? [] : (Array.isArray(v) ? v : [v]).map(String));

/** Parses CircleCI durations (`10m`, `1h30m`, `90s`, `20`) to seconds. */
export function durationSeconds(v: unknown, fallback: number): number {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return fallback;
  const m = /^\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s?)?\s*$/.exec(v);
  if (!m || (!m[1] && !m[2] && !m[3])) return fallback;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

const DEFAULT_NAMES: Record<string, string> = {
  checkout: 'Checkout code',
  save_cache: 'Saving cache',
  restore_cache: 'Restoring cache',
  store_artifacts: 'Uploading artifacts',
  store_test_results: 'Uploading test results',
  persist_to_workspace: 'Persisting to workspace',
  attach_workspace: 'Attaching workspace',
  add_ssh_keys: 'Installing additional ssh keys',
  setup_remote_docker: 'Setup a remote Docker engine',
};

function toStep(step: LongStep, jobEnv: Record<string, string>, problems: Problems): StepPlan {
  const type = Object.keys(step)[0];
  const a = step[type];
  const when = (['on_success', 'on_fail', 'always'].includes(String(a.when)) ? a.when : 'on_success') as StepWhen;
  const base = { when, position: problems.position(step) };
  const name = typeof a.name === 'string' ? a.name : undefined;
  switch (type) {
    case 'run': {
      const command = String(a.command ?? '');
      const s: StepPlan = {
        ...base,
        type: 'run',
        name: name ?? (command.split('\n').find((l) => l.trim()) ?? command).trim(),
        command,
        environment: { ...jobEnv, ...strMap(environmentMap(a.environment)) },
        background: a.background === true,
        noOutputTimeoutSeconds: durationSeconds(a.no_output_timeout, 600),
      };
      if (typeof a.shell === 'string') s.shell = a.shell;
      if (typeof a.working_directory === 'string') s.workingDirectory = a.working_directory;
      if (typeof a.max_auto_reruns === 'number') s.maxAutoReruns = a.max_auto_reruns;
      if (a.auto_rerun_delay !== undefined) s.autoRerunDelaySeconds = durationSeconds(a.auto_rerun_delay, 0);
      return s;
    }
    case 'checkout': {
      const s: StepPlan = { ...base, type: 'checkout', name: name ?? DEFAULT_NAMES.checkout };
      if (typeof a.path === 'string') s.path = a.path;
      if (a.method === 'full' || a.method === 'blobless') s.method = a.method;
      return s;
    }
    case 'save_cache':
      return { ...base, type: 'save_cache', name: name ?? DEFAULT_NAMES.save_cache, key: String(a.key ?? ''), paths: strList(a.paths) };
    case 'restore_cache':
      return { ...base, type: 'restore_cache', name: name ?? DEFAULT_NAMES.restore_cache, keys: a.keys !== undefined ? strList(a.keys) : strList(a.key) };
    case 'persist_to_workspace':
      return { ...base, type: 'persist_to_workspace', name: name ?? DEFAULT_NAMES.persist_to_workspace, root: String(a.root ?? '.'), paths: strList(a.paths) };
    case 'attach_workspace':
      return { ...base, type: 'attach_workspace', name: name ?? DEFAULT_NAMES.attach_workspace, at: String(a.at ?? '.') };
    case 'store_artifacts': {
      const s: StepPlan = { ...base, type: 'store_artifacts', name: name ?? DEFAULT_NAMES.store_artifacts, path: String(a.path ?? '') };
      if (a.destination !== undefined) s.destination = String(a.destination);
      return s;
    }
    case 'store_test_results':
      return { ...base, type: 'store_test_results', name: name ?? DEFAULT_NAMES.store_test_results, path: String(a.path ?? '') };
    case 'add_ssh_keys':
      return { ...base, type: 'add_ssh_keys', name: name ?? DEFAULT_NAMES.add_ssh_keys, fingerprints: strList(a.fingerprints) };
    default: {
      const s: StepPlan = { ...base, type: 'setup_remote_docker', name: name ?? DEFAULT_NAMES.setup_remote_docker };
      if (a.version !== undefined) s.version = String(a.version);
      if (a.docker_layer_caching !== undefined) s.dockerLayerCaching = a.docker_layer_caching === true;
      return s;
    }
  }
}

function toExecutor(body: Record<string, unknown>): ExecutorPlan {
  const rc = body.resource_class !== undefined ? String(body.resource_class) : undefined;
  if (Array.isArray(body.docker)) {
    const images: DockerImage[] = body.docker.filter(isMap).map((d) => {
      const img: DockerImage = { image: String(d.image ?? ''), environment: strMap(environmentMap(d.environment)) };
      if (d.name !== undefined) img.name = String(d.name);
      if (d.entrypoint !== undefined) img.entrypoint = strList(d.entrypoint);
      if (d.command !== undefined) img.command = strList(d.command);
      if (d.user !== undefined) img.user = String(d.user);
      if (isMap(d.auth)) img.auth = { username: String(d.auth.username ?? ''), password: String(d.auth.password ?? '') };
      if (isMap(d.aws_auth)) img.awsAuth = strMap(d.aws_auth);
      return img;
    });
    return { type: rc?.includes('/') ? 'runner' : 'docker', resourceClass: rc ?? 'medium', images };
  }
  if (body.macos !== undefined) {
    const m = isMap(body.macos) ? body.macos : {};
    return {
      type: 'macos',
      resourceClass: rc ?? 'macos.m1.medium.gen1',
      images: [],
      machineImage: m.xcode !== undefined ? `xcode:${String(m.xcode)}` : undefined,
    };
  }
  const m = isMap(body.machine) ? body.machine : {};
  const image = m.image !== undefined ? String(m.image) : undefined;
  const windows = rc?.startsWith('windows.') || image?.startsWith('windows-') || body.windows !== undefined;
  const plan: ExecutorPlan = {
    type: rc?.includes('/') ? 'runner' : windows ? 'windows' : 'machine',
    resourceClass: rc ?? (windows ? 'windows.medium' : 'medium'),
    images: [],
  };
  if (image) plan.machineImage = image;
  if (m.docker_layer_caching !== undefined) plan.dockerLayerCaching = m.docker_layer_caching === true;
  return plan;
}

function toJob(j: ExpandedWorkflowJob, job: ExpandedJob | undefined, problems: Problems): JobPlan {
  const body = job?.body ?? {};
  const environment = strMap(environmentMap(body.environment));
  const plan: JobPlan = {
    name: j.name,
    definition: job?.definition ?? j.ref,
    type: j.type,
    requires: j.requires,
    contexts: j.contexts,
    // Approvals and the other types that run no steps have no executor.
    executor: job && j.type === 'build' ? toExecutor(body) : { type: 'docker', resourceClass: '', images: [] },
    environment,
    workingDirectory: typeof body.working_directory === 'string' ? body.working_directory : '~/project',
    parallelism: typeof body.parallelism === 'number' ? body.parallelism : Number(body.parallelism ?? 1) || 1,
    steps: (job?.steps ?? []).map((s) => toStep(s, environment, problems)),
  };
  if (j.filters) plan.filters = j.filters;
  if (typeof body.shell === 'string') plan.shell = body.shell;
  if (j.maxAutoReruns !== undefined) plan.maxAutoReruns = j.maxAutoReruns;
  if (j.serialGroup !== undefined) plan.serialGroup = j.serialGroup;
  if (j.type === 'lock') plan.serialGroup = String(body.key);
  if (j.type === 'unlock') plan.unlocks = String(body.key);
  if (j.type === 'release') plan.releasePlan = String(body.plan_name);
  if (j.position) plan.position = j.position;
  return plan;
}

/** Turns expanded workflows into the plan's workflows. */
export function buildWorkflowPlans(workflows: ExpandedWorkflow[], problems: Problems): WorkflowPlan[] {
  return workflows.map((w) => {
    const plan: WorkflowPlan = { name: w.name, jobs: w.jobs.map((j) => toJob(j, j.job, problems)), schedules: w.schedules };
    if (w.position) plan.position = w.position;
    return plan;
  });
}
