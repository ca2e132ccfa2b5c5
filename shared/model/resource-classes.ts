/**
 * CircleCI resource classes and what they mean in AWS. The CDK app creates one Fargate task definition per
 * docker class and one auto scaling group per machine class from these tables, and the dispatcher resolves a
 * job's `resource_class` with the same functions, so the two never disagree.
 */

export type CpuArchitecture = 'x86_64' | 'arm64';

/** A docker-executor resource class as a Fargate task size. */
export interface DockerResourceClass {
  /** CircleCI name, e.g. `medium`, `arm.large`. */
  readonly name: string;
  readonly architecture: CpuArchitecture;
  /** CPU units (1024 = 1 vCPU); a valid Fargate value. */
  readonly cpu: number;
  /** Memory in MiB; valid for `cpu` on Fargate. */
  readonly memoryMiB: number;
  /** What CircleCI documents for the class, when Fargate has no exact size (the next larger size is used). */
  readonly note?: string;
}

/**
 * CircleCI docker resource classes (x86 and Arm) mapped to Fargate sizes. Fargate has no 3 vCPU size, so
 * `medium+` (3 vCPU / 6 GB on CircleCI) runs on 4 vCPU / 8 GB.
 */
export const DOCKER_RESOURCE_CLASSES: readonly DockerResourceClass[] = [
  { name: 'small', architecture: 'x86_64', cpu: 1024, memoryMiB: 2048 },
  { name: 'medium', architecture: 'x86_64', cpu: 2048, memoryMiB: 4096 },
  { name: 'medium+', architecture: 'x86_64', cpu: 4096, memoryMiB: 8192, note: 'CircleCI: 3 vCPU / 6 GB' },
  { name: 'large', architecture: 'x86_64', cpu: 4096, memoryMiB: 8192 },
  { name: 'xlarge', architecture: 'x86_64', cpu: 8192, memoryMiB: 16384 },
  { name: '2xlarge', architecture: 'x86_64', cpu: 16384, memoryMiB: 32768 },
  { name: 'arm.medium', architecture: 'arm64', cpu: 2048, memoryMiB: 8192 },
  { name: 'arm.large', architecture: 'arm64', cpu: 4096, memoryMiB: 16384 },
  { name: 'arm.xlarge', architecture: 'arm64', cpu: 8192, memoryMiB: 32768 },
  { name: 'arm.2xlarge', architecture: 'arm64', cpu: 16384, memoryMiB: 65536 },
];

/** CircleCI's default docker resource class when a job names none. */
export const DEFAULT_DOCKER_RESOURCE_CLASS = 'medium';
/** CircleCI's default machine resource class when a job names none. */
export const DEFAULT_MACHINE_RESOURCE_CLASS = 'medium';

/** A machine-executor resource class as an EC2 auto scaling group. */
export interface MachineResourceClass {
  /** CircleCI name, e.g. `medium`, `arm.large`. */
  readonly name: string;
  readonly architecture: CpuArchitecture;
  /** Instance types, in order of preference (several types widen the Spot pools). */
  readonly instanceTypes: readonly string[];
}

/** CircleCI Linux machine resource classes mapped to current general-purpose instance types. */
export const MACHINE_RESOURCE_CLASSES: readonly MachineResourceClass[] = [
  { name: 'medium', architecture: 'x86_64', instanceTypes: ['m6i.large', 'm7i.large', 'm6a.large'] },
  { name: 'large', architecture: 'x86_64', instanceTypes: ['m6i.xlarge', 'm7i.xlarge', 'm6a.xlarge'] },
  { name: 'xlarge', architecture: 'x86_64', instanceTypes: ['m6i.2xlarge', 'm7i.2xlarge', 'm6a.2xlarge'] },
  { name: '2xlarge', architecture: 'x86_64', instanceTypes: ['m6i.4xlarge', 'm7i.4xlarge', 'm6a.4xlarge'] },
  { name: 'arm.medium', architecture: 'arm64', instanceTypes: ['m7g.large', 'm6g.large'] },
  { name: 'arm.large', architecture: 'arm64', instanceTypes: ['m7g.xlarge', 'm6g.xlarge'] },
  { name: 'arm.xlarge', architecture: 'arm64', instanceTypes: ['m7g.2xlarge', 'm6g.2xlarge'] },
  { name: 'arm.2xlarge', architecture: 'arm64', instanceTypes: ['m7g.4xlarge', 'm6g.4xlarge'] },
];

/**
 * The runner queue class of a machine resource class's pool (`machine/medium`): machine jobs wait there for an
 * EC2 instance of their group, whose runner claims with the machine runner token.
 */
export function machineRunnerClass(machineClass: string): string {
  return `machine/${machineClass}`;
}

/** Lower-cases and trims a job's `resource_class`; an empty one means the executor's default. */
function normalise(name: string | undefined, fallback: string): string {
  const trimmed = (name ?? '').trim().toLowerCase();
  return trimmed === '' ? fallback : trimmed;
}

/** The docker resource class for a job's `resource_class`, or `undefined` when it is not a docker class. */
export function findDockerResourceClass(name: string | undefined): DockerResourceClass | undefined {
  const wanted = normalise(name, DEFAULT_DOCKER_RESOURCE_CLASS);
  return DOCKER_RESOURCE_CLASSES.find((c) => c.name === wanted);
}

/** The machine resource class for a job's `resource_class`, or `undefined` when it is not a machine class. */
export function findMachineResourceClass(name: string | undefined): MachineResourceClass | undefined {
  const wanted = normalise(name, DEFAULT_MACHINE_RESOURCE_CLASS);
  return MACHINE_RESOURCE_CLASSES.find((c) => c.name === wanted);
}

/** A name safe for CloudFormation logical ids and ECS families (`medium+` → `mediumplus`, `arm.large` → `arm-large`). */
export function resourceClassSlug(name: string): string {
  return name.replace(/\+/g, 'plus').replace(/[^a-zA-Z0-9]+/g, '-');
}

/**
 * Where the agent of a job rerun with SSH on an EC2 machine listens: on the instance's loopback only, at one
 * fixed port (one job per instance), reached through AWS Systems Manager Session Manager, never through an
 * inbound security group rule. The stack's Session document forwards to this port and no other.
 */
export const MACHINE_SSH_PORT = 54782;

/**
 * The shape of every Slipway Fargate task definition. The CDK app defines the agent container and the shared
 * volume; the dispatcher adds the job's primary and service containers (ECS cannot override an image at
 * `RunTask`, so it registers a derived task definition per image set).
 */
export const FARGATE_TASK_LAYOUT = {
  /** The agent sidecar: essential, so the task ends when the agent exits. */
  agentContainer: 'agent',
  /** The job's first image; runs the step shim from the shared volume. */
  primaryContainer: 'primary',
  /** Volume shared by all containers (shim, working directory handover). */
  sharedVolume: 'slipway',
  /** Where the shared volume is mounted in every container. */
  sharedMountPath: '/slipway',
  /** The shim the agent installs on the shared volume; the primary container waits for it and runs it. */
  shimPath: '/slipway/bin/shim',
  /** The folder the shim watches for step files (`SLIPWAY_SHIM_DIR` of the agent). */
  stepsDir: '/slipway/steps',
  /** Tasks' HOME and working directories, on the shared volume so both containers see the same paths. */
  workRoot: '/slipway/work',
  /**
   * The primary container's command (`sh -c`): wait until the agent has installed the shim, then run it. The
   * user's image needs only `sh`; the shim takes over the container's process.
   */
  primaryCommand: 'until [ -f /slipway/bin/shim ]; do sleep 0.2 2>/dev/null || sleep 1; done; exec sh /slipway/bin/shim /slipway/steps',
  /** Agent environment (set in the base task definition, no secrets): where the steps, shim and tasks' folders go. */
  shimDirEnv: 'SLIPWAY_SHIM_DIR',
  shimPathEnv: 'SLIPWAY_SHIM_PATH',
  workRootEnv: 'SLIPWAY_WORK_ROOT',
  /**
   * A job whose working directory is an absolute path outside the shared volume (`/go/src/x`) gets a second
   * volume mounted at that path in the agent and the primary container, so the checkout the agent makes there
   * is where the steps run; the agent learns the path from this variable (to hand the folder to the steps' user).
   */
  workdirVolume: 'slipway-workdir',
  workdirEnv: 'SLIPWAY_WORKDIR_MOUNT',
  /** Environment variables the agent receives as container overrides; nothing else is passed there. */
  agentUrlEnv: 'SLIPWAY_URL',
  agentTokenEnv: 'SLIPWAY_TASK_TOKEN',
  /** The one-time code the agent exchanges for its task token (RunTask overrides carry this, never the token). */
  agentCodeEnv: 'SLIPWAY_TASK_CODE',
} as const;

/**
 * The tag of a machine instance's runner credential parameter (SSM), holding the instance's ARN: the machine role
 * may read a parameter only when this tag equals `${ec2:SourceInstanceARN}`, so an instance reads its own only.
 */
export const MACHINE_CREDENTIAL_TAG = 'slipway:instance-arn';

/** The tag every registry login secret carries (the dispatcher may create secrets under its prefix only with it). */
export const REGISTRY_CREDENTIAL_TAG = 'slipway:registry-credentials';
